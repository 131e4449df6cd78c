package tokenizer_test

import (
	"fmt"
	"os"

	"github.com/lmzip/lmzip/internal/tokenizer"
)

func ExampleTokenizer_Encode() {
	data, err := os.ReadFile("testdata/tiny-tokenizer.json")
	if err != nil {
		panic(err)
	}
	tok, err := tokenizer.Load(data)
	if err != nil {
		panic(err)
	}
	text := []byte("the cat sat\xff<|endoftext|>")
	ids := tok.Encode(text) // any bytes; a literal "<|endoftext|>" is plain text
	fmt.Println(ids)
	fmt.Printf("%q\n", tok.Decode(ids))
	fmt.Println(tok.EncodeWithSpecial([]byte("the end<|endoftext|>")))
	// Output:
	// [84 258 280 294 263 294 188 28 92 69 266 79 70 84 69 88 84 92 30]
	// "the cat sat\xff<|endoftext|>"
	// [84 258 316 266 0]
}

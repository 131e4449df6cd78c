package lmzip_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/lmzip/lmzip"
)

func ExampleCompress() {
	text := bytes.Repeat([]byte("It was the best of times, it was the worst of times. "), 8)
	archive, err := lmzip.Compress(text, &lmzip.Options{Model: "small"})
	if err != nil {
		log.Fatal(err)
	}
	back, err := lmzip.Decompress(archive, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.Equal(back, text), len(archive) < len(text))
	// Output: true true
}

func ExampleNewWriter() {
	var archive bytes.Buffer
	w, err := lmzip.NewWriter(&archive, &lmzip.Options{Model: "small"})
	if err != nil {
		log.Fatal(err)
	}
	io.WriteString(w, "Call me Ishmael. ")
	io.WriteString(w, "Some years ago, never mind how long precisely...\n")
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := lmzip.NewReader(&archive, nil)
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(os.Stdout, r)
	// Output: Call me Ishmael. Some years ago, never mind how long precisely...
}

func ExampleInspect() {
	archive, err := lmzip.Compress([]byte("A short note.\n"), &lmzip.Options{Model: "small"})
	if err != nil {
		log.Fatal(err)
	}
	info, err := lmzip.Inspect(bytes.NewReader(archive))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Model, info.Size)
	// Output: lmzip-small 14
}

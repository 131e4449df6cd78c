package seed

import (
	"fmt"
	"math"
	"math/big"
)

// Entry is one element of a tokenList: [token id, rank, probability]. A
// rank of -1 marks a literal (a token sent as its id); a rank r ≥ 0 says
// the token is the r-th entry of the model's top-K list. Prob is kept as
// the JSON value it was read as (int 0 before modelling, a float after).
type Entry struct {
	Token int64
	Rank  int64
	Prob  any
}

// IsLiteral reports whether the entry is sent as its token id.
func (e Entry) IsLiteral() bool { return e.Rank < 0 }

// ProbFloat returns the entry's probability as a float64.
func (e Entry) ProbFloat() float64 {
	switch p := e.Prob.(type) {
	case float64:
		return p
	case int64:
		return float64(p)
	case bool:
		if p {
			return 1
		}
	}
	return 0
}

// ReadJSON decodes a stage file, which must hold a JSON object.
func ReadJSON(data []byte) (*Object, error) {
	v, err := Unmarshal(data)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*Object)
	if !ok {
		return nil, fmt.Errorf("json: the file holds %s, not an object", typeName(v))
	}
	return o, nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int64, *big.Int, float64:
		return "a number"
	case String:
		return "a string"
	case []any:
		return "an array"
	case *Object:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// toInt converts a JSON integer (Python int or bool) to int64.
func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Int returns the integer under key.
func (o *Object) Int(key string) (int64, error) {
	v, ok := o.Get(key)
	if !ok {
		return 0, fmt.Errorf("no %q in the JSON", key)
	}
	n, ok := toInt(v)
	if !ok {
		return 0, fmt.Errorf("%q is %s, not an integer in range", key, typeName(v))
	}
	return n, nil
}

// Str returns the string under key and whether it is a string.
func (o *Object) Str(key string) (string, bool) {
	v, ok := o.Get(key)
	if !ok {
		return "", false
	}
	s, ok := v.(String)
	return string(s), ok
}

// Ints returns the list of integers under key.
func (o *Object) Ints(key string) ([]int64, error) {
	v, ok := o.Get(key)
	if !ok {
		return nil, fmt.Errorf("no %q in the JSON", key)
	}
	switch a := v.(type) {
	case []int64:
		return a, nil
	case []any:
		out := make([]int64, len(a))
		for i, e := range a {
			n, ok := toInt(e)
			if !ok {
				return nil, fmt.Errorf("%q[%d] is %s, not an integer in range", key, i, typeName(e))
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%q is %s, not a list", key, typeName(v))
}

// Tokens returns the tokenList.
func (o *Object) Tokens() ([]Entry, error) {
	v, ok := o.Get("tokenList")
	if !ok {
		return nil, fmt.Errorf("no \"tokenList\" in the JSON")
	}
	switch a := v.(type) {
	case []Entry:
		return a, nil
	case []any:
		out := make([]Entry, len(a))
		for i, e := range a {
			t, ok := e.([]any)
			if !ok || len(t) != 3 {
				return nil, fmt.Errorf("tokenList[%d] is not a [id, rank, prob] list", i)
			}
			id, ok1 := toInt(t[0])
			rank, ok2 := toInt(t[1])
			switch t[2].(type) {
			case int64, float64, bool:
			default:
				ok2 = false
			}
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("tokenList[%d] is not [int, int, number]", i)
			}
			out[i] = Entry{id, rank, t[2]}
		}
		return out, nil
	}
	return nil, fmt.Errorf("\"tokenList\" is %s, not a list", typeName(v))
}

// WriteJSON encodes a stage file as the seed writes it.
func WriteJSON(o *Object) ([]byte, error) { return Marshal(o) }

// RoundProb rounds a probability as the seed does: int(p*1e6+0.5)/1e6.
func RoundProb(p float64) float64 {
	return math.Trunc(p*1e6+0.5) / 1e6
}

// commentOrNull returns the -c string as a JSON value: null when unset.
func commentOrNull(c *string) any {
	if c == nil {
		return nil
	}
	return StringFromArg(*c)
}

// stopCount is the seed's "count = args.count or n": -s N, or n when N is
// 0 (Python's "or" takes 0 as unset).
func stopCount(stopAt, n int) int {
	if stopAt == 0 {
		return n
	}
	return stopAt
}

// pySliceEnd is where Python's list[:end] ends on a list of n items: a
// negative end counts from the end.
func pySliceEnd(end, n int) int {
	if end < 0 {
		return max(0, n+end)
	}
	return min(end, n)
}

// TokensOfStr builds the toksout JSON of stage 1 from token ids: the model
// name, the tokenizer's vocabulary size, the comment (-c, or null) and the
// tokens as [id, -1, 0]. stopAt (the seed's -s) keeps the tokens
// ids[:stopAt] as Python slices them (0: all; negative: all but the last
// −stopAt).
func TokensOfStr(name string, vocabSize int, comment *string, ids []int32, stopAt int) *Object {
	ids = ids[:pySliceEnd(stopCount(stopAt, len(ids)), len(ids))]
	list := make([]Entry, len(ids))
	for i, id := range ids {
		list[i] = Entry{int64(id), -1, int64(0)}
	}
	o := NewObject()
	o.Set("modelName", StringFromArg(name))
	o.Set("vocabSize", int64(vocabSize))
	o.Set("comment", commentOrNull(comment))
	o.Set("tokenList", list)
	return o
}

// TokensOfData builds the generation input of the seed's tokensOfData: the
// prompt's tokens as literals [id, -1, 0], then two ranks [0, nibble, 0.0]
// for each byte of data, its low nibble first. The comment is the prompt.
// stopAt (the seed's -s) cuts the prompt's tokens, as TokensOfStr cuts its
// tokens, and never the data's.
func TokensOfData(name string, vocabSize int, prompt *string, promptIDs []int32, data []byte, stopAt int) *Object {
	promptIDs = promptIDs[:pySliceEnd(stopCount(stopAt, len(promptIDs)), len(promptIDs))]
	list := make([]Entry, 0, len(promptIDs)+2*len(data))
	for _, id := range promptIDs {
		list = append(list, Entry{int64(id), -1, int64(0)})
	}
	for _, b := range data {
		list = append(list, Entry{0, int64(b & 15), 0.0}, Entry{0, int64(b >> 4), 0.0})
	}
	o := NewObject()
	o.Set("modelName", StringFromArg(name))
	o.Set("vocabSize", int64(vocabSize))
	o.Set("comment", commentOrNull(prompt))
	o.Set("tokenList", list)
	return o
}

// Symbol maps an entry to the coder's alphabet: a literal is its token id
// (≥ 0), rank r is −1−r.
func Symbol(e Entry) int64 {
	if e.IsLiteral() {
		return e.Token
	}
	return -1 - e.Rank
}

// RangeEncode is stage 3: it codes the ranks and literals of a ttout JSON
// with the seed's static rANS coder and returns the rangedout JSON: the
// input without tokenList, plus precision, length, inxToSym, counts and
// compressed.
func RangeEncode(in *Object, precision int) (*Object, error) {
	list, err := in.Tokens()
	if err != nil {
		return nil, err
	}
	syms := make([]int64, len(list))
	for i, e := range list {
		syms[i] = Symbol(e)
	}
	table := BuildTable(syms)
	words, err := Encode(syms, table, precision)
	if err != nil {
		return nil, err
	}
	out := in.Clone()
	out.Delete("tokenList")
	out.Set("precision", int64(precision))
	out.Set("length", int64(len(syms)))
	out.Set("inxToSym", table.Syms)
	out.Set("counts", table.Counts)
	ws := make([]int64, len(words))
	for i, w := range words {
		ws[i] = int64(w)
	}
	out.Set("compressed", ws)
	return out, nil
}

// rangedFields reads the coder fields of a rangedout or rangedin JSON.
func rangedFields(in *Object) (prec int, length int64, table *Table, words []uint64, err error) {
	p, err := in.Int("precision")
	if err != nil {
		return
	}
	if p < 1 || p > MaxPrecision {
		err = fmt.Errorf("precision %d is not in 1..%d", p, MaxPrecision)
		return
	}
	prec = int(p)
	if length, err = in.Int("length"); err != nil {
		return
	}
	if length < 0 {
		err = fmt.Errorf("negative length %d", length)
		return
	}
	table = &Table{}
	if table.Syms, err = in.Ints("inxToSym"); err != nil {
		return
	}
	if table.Counts, err = in.Ints("counts"); err != nil {
		return
	}
	ws, err := in.Ints("compressed")
	if err != nil {
		return
	}
	words = make([]uint64, len(ws))
	for i, w := range ws {
		if w < 0 || (prec < 64 && uint64(w)>>prec != 0) {
			err = fmt.Errorf("compressed[%d] = %d is not a %d-bit word", i, w, prec)
			return
		}
		words[i] = uint64(w)
	}
	return
}

// RangeDecode is stage 6: it decodes a rangedin (or rangedout) JSON and
// returns it with a tokenList added: a literal as [id, -1, 0.0], a rank as
// [0, rank, 0.0].
func RangeDecode(in *Object) (*Object, error) {
	prec, length, table, words, err := rangedFields(in)
	if err != nil {
		return nil, err
	}
	syms, err := Decode(words, table, prec, length)
	if err != nil {
		return nil, err
	}
	list := make([]Entry, len(syms))
	for i, s := range syms {
		if s >= 0 {
			list[i] = Entry{s, -1, 0.0}
		} else {
			list[i] = Entry{0, -1 - s, 0.0}
		}
	}
	out := in.Clone()
	out.Set("tokenList", list)
	return out, nil
}

// BinOfRange is stage 4: the .bin file of a rangedout JSON.
func BinOfRange(in *Object) ([]byte, error) {
	prec, length, table, words, err := rangedFields(in)
	if err != nil {
		return nil, err
	}
	return WriteBin(&Bin{Precision: prec, Length: length, Syms: table.Syms, Counts: table.Counts, Words: words})
}

// BinToRange is stage 5: the rangedin JSON of a .bin file.
func BinToRange(data []byte) (*Object, error) {
	b, err := ReadBin(data)
	if err != nil {
		return nil, err
	}
	ws := make([]int64, len(b.Words))
	for i, w := range b.Words {
		ws[i] = int64(w)
	}
	o := NewObject()
	o.Set("precision", int64(b.Precision))
	o.Set("length", b.Length)
	o.Set("inxToSym", b.Syms)
	o.Set("counts", b.Counts)
	o.Set("compressed", ws)
	return o, nil
}

// TokenIDs returns the token ids of a tokenList, checking that they are
// tokens of a vocabulary of vocab entries.
func TokenIDs(list []Entry, vocab int) ([]int32, error) {
	ids := make([]int32, len(list))
	for i, e := range list {
		if e.Token < 0 || e.Token >= int64(vocab) {
			return nil, fmt.Errorf("tokenList[%d]: token id %d is outside the vocabulary (%d)", i, e.Token, vocab)
		}
		ids[i] = int32(e.Token)
	}
	return ids, nil
}

package seed

import (
	"errors"

	"github.com/lmzip/lmzip/internal/model"
)

// ModelToInx is stage 2, the seed's modelToInx.py: it replaces each token
// of a toksout JSON (after the first) by its rank in the model's top-K
// list, and returns the ttout JSON: {"modelName": name, "vocabSize" (the
// input's, else vocabSize), "comment": the input's comment followed by
// comment, "contextwindow", "topN", "tokenList"}.
//
// Entries are written as the seed writes them: a hit as [id, rank, prob]
// with prob rounded to 1e-6; a miss, entry 0 and every entry past
// o.StopAt as they came in, [id, rank, prob/1e6] (the seed divides what it
// did not compute too). The seed holds the list in a numpy array, integer
// unless a probability in it is a float; with floats the hits' prob is
// p+5e-7 instead of rounded, and so it is here.
func ModelToInx(m model.Model, in *Object, name string, vocabSize int, comment *string, o RankOptions) (*Object, error) {
	list, err := in.Tokens()
	if err != nil {
		return nil, err
	}
	ids, err := TokenIDs(list, m.Config().VocabSize)
	if err != nil {
		return nil, err
	}
	floats := false
	for _, e := range list {
		if _, ok := e.Prob.(float64); ok {
			floats = true
		}
	}
	out := make([]Entry, len(list))
	for i, e := range list {
		out[i] = Entry{e.Token, e.Rank, e.ProbFloat() / 1e6}
	}
	err = rankEach(m, ids, o, func(p, r int, prob float64) {
		if floats {
			prob = (prob*1e6 + 0.5) / 1e6
		} else {
			prob = RoundProb(prob)
		}
		out[p] = Entry{int64(ids[p]), int64(r), prob}
	})
	if err != nil {
		return nil, err
	}
	c := ""
	if v, ok := in.Get("comment"); ok && v != nil {
		s, ok := v.(String)
		if !ok {
			return nil, errors.New("the JSON's comment is not a string")
		}
		c = string(s)
	}
	if comment != nil {
		c += string(StringFromArg(*comment))
	}
	obj := NewObject()
	obj.Set("modelName", StringFromArg(name))
	if v, ok := in.Get("vocabSize"); ok {
		obj.Set("vocabSize", v)
	} else {
		obj.Set("vocabSize", int64(vocabSize))
	}
	obj.Set("comment", String(c))
	obj.Set("contextwindow", int64(o.Window))
	obj.Set("topN", int64(o.TopN))
	obj.Set("tokenList", out)
	return obj, nil
}

// ModelOfInx is stage 7, the seed's modelOfInx.py: it replaces each rank of
// a ttin JSON by the token at that rank of the model's top-K list (see
// Unrank) and returns the input with "modelName": name, "contextwindow",
// "topN" and the new "tokenList".
func ModelOfInx(m model.Model, in *Object, name string, o RankOptions) (*Object, error) {
	list, err := in.Tokens()
	if err != nil {
		return nil, err
	}
	out, err := Unrank(m, list, o)
	if err != nil {
		return nil, err
	}
	obj := in.Clone()
	obj.Set("modelName", StringFromArg(name))
	obj.Set("contextwindow", int64(o.Window))
	obj.Set("topN", int64(o.TopN))
	obj.Set("tokenList", out)
	return obj, nil
}

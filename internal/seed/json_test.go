package seed

import (
	"math"
	"math/big"
	"testing"
)

// The expected strings are Python 3's json.dumps output.
func TestPyFloat(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1e-05, "1e-05"}, {0.0001, "0.0001"},
		{1e16, "1e+16"}, {1e15, "1000000000000000.0"}, {123456789012345678.0, "1.2345678901234568e+17"},
		{0.1, "0.1"}, {1.0 / 3, "0.3333333333333333"}, {5e-324, "5e-324"},
		{1.7976931348623157e308, "1.7976931348623157e+308"}, {2.5, "2.5"}, {100, "100.0"},
		{1e22, "1e+22"}, {1.5e-7, "1.5e-07"}, {0.312224, "0.312224"}, {-0.00012, "-0.00012"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
	}
	for _, c := range cases {
		if got := PyFloat(c.f); got != c.want {
			t.Errorf("PyFloat(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

func TestMarshalLikePython(t *testing.T) {
	big, _ := new(big.Int).SetString("12345678901234567890", 10)
	o := NewObject()
	o.Set("a", []any{int64(1), 2.0})
	cases := []struct {
		v    any
		want string
	}{
		{big, "12345678901234567890"}, {int64(-5), "-5"}, {true, "true"}, {nil, "null"},
		{String("a\"b\\c\n\t\x01\x7f\u00e9\u20ac\U0001F600 /"), `"a\"b\\c\n\t\u0001\u007f\u00e9\u20ac\ud83d\ude00 /"`},
		{[]any{}, "[]"}, {NewObject(), "{}"}, {o, `{"a": [1, 2.0]}`},
		{[]Entry{{171, -1, int64(0)}, {5, 2, 0.5}}, "[[171, -1, 0], [5, 2, 0.5]]"},
	}
	for _, c := range cases {
		got, err := Marshal(c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", c.v, got, err, c.want)
		}
	}
}

func TestUnmarshalLikePython(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a":1,"b":2,"a":3}`, `{"a": 3, "b": 2}`},
		{`"\ud83d\ude00\ud800x\udc00"`, `"\ud83d\ude00\ud800x\udc00"`},
		{"\xef\xbb\xbf[1]", "[1]"},
		{"[1E400, -1e-400, 1.0e+2, -0, 0.5E-3]", "[Infinity, -0.0, 100.0, 0, 0.0005]"},
		{" [NaN ,Infinity,-Infinity,\"\\/\"]\n", `[NaN, Infinity, -Infinity, "/"]`},
		{"\"\xc3\xa9\xed\xa0\x80\"", `"\u00e9\ud800"`},
		{"\x00[\x001\x00]", "[1]"},   // UTF-16-BE without BOM
		{"\xff\xfe[\x00]\x00", "[]"}, // UTF-16-LE with BOM
		{"123456789012345678901234567890", "123456789012345678901234567890"},
	}
	for _, c := range cases {
		v, err := Unmarshal([]byte(c.in))
		if err != nil {
			t.Errorf("Unmarshal(%q): %v", c.in, err)
			continue
		}
		got, _ := Marshal(v)
		if string(got) != c.want {
			t.Errorf("Unmarshal(%q) gives %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "[1,]", "{\"a\" 1}", "01", "1.", "-", "[1] x", "\"\x01\"", "\"\\x\"", "\"\\u12\"",
		"\xef\xbb\xbf\xef\xbb\xbf1", "{1: 2}", "tru", "\"abc", "\xff1"} {
		if v, err := Unmarshal([]byte(bad)); err == nil {
			t.Errorf("Unmarshal(%q) = %v, want an error", bad, v)
		}
	}
}

func TestStringFromArg(t *testing.T) {
	got, _ := Marshal(StringFromArg("a\xffé"))
	if string(got) != `"a\udcff\u00e9"` {
		t.Errorf("got %s", got)
	}
}

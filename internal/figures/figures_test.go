package figures

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"strings"
	"testing"
)

func wellFormed(t *testing.T, what string, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s is not well-formed: %v", what, err)
		}
	}
}

func sample() *Histogram {
	ranks := []int{-1, 0, 0, 0, 0, 1, 1, 2, 3, 5, 40, 41, 127, -1}
	return NewHistogram(ranks)
}

func TestHistogram(t *testing.T) {
	h := sample()
	if p := h.Percent[0]; p < 28.5 || p > 28.6 {
		t.Errorf("rank 0 has %.3f%%, want 4/14", p)
	}
	svg := h.SVG()
	wellFormed(t, "SVG", svg)
	for _, want := range []string{">Index<", ">% of Symbols<", `fill-opacity="0.5"`, ">-1<", ">40<"} {
		if want == ">-1<" {
			want = "rank -1:"
		}
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if n := bytes.Count(svg, []byte("<title>rank")); n != 7 { // ranks -1,0,1,2,3,5,40 fall in [-2, 40]
		t.Errorf("%d bars, want 7", n)
	}
	b, err := h.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 1000 || img.Bounds().Dy() != 300 {
		t.Errorf("PNG is %v, want 1000×300 (10×3 in)", img.Bounds())
	}
	n, _, err := DistinctColors(b)
	if err != nil || n < 3 {
		t.Errorf("PNG has %d colours (%v): want white, black and grey", n, err)
	}
}

func TestInferno(t *testing.T) {
	for _, c := range []struct {
		v       float64
		r, g, b uint8
	}{{0, 0, 0, 4}, {1, 252, 255, 164}, {0.5, 188, 55, 84}} {
		if r, g, b := Inferno(c.v); r != c.r || g != c.g || b != c.b {
			t.Errorf("Inferno(%v) = %d,%d,%d, want %d,%d,%d", c.v, r, g, b, c.r, c.g, c.b)
		}
	}
	if DepthValue(Token{Rank: -1}) != 1 || DepthValue(Token{Rank: 0}) != 0.5 || DepthValue(Token{Rank: 99}) != 1 {
		t.Error("DepthValue")
	}
	if ProbValue(Token{Rank: 0, Prob: 1}) != 0.5 || ProbValue(Token{Rank: 3, Prob: 0.25}) != 0.75 {
		t.Error("ProbValue")
	}
}

func TestHeatmap(t *testing.T) {
	toks := []Token{{[]byte("The"), 0, 0.9, 1}, {[]byte(" <cat>"), 3, 0.1, 5}, {[]byte("\x01\xff&\n"), -1, 0, 24}}
	page := Heatmap("test & page", toks)
	wellFormed(t, "heat map", page)
	s := string(page)
	for _, v := range Views {
		if !strings.Contains(s, v.Title) {
			t.Errorf("no column %q", v.Title)
		}
	}
	if n := strings.Count(s, `<span class="c`); n != 3*len(toks) {
		t.Errorf("%d token spans, want %d", n, 3*len(toks))
	}
	if !strings.Contains(s, "background:#000") || strings.Contains(s, "<script") || strings.Contains(s, "http://www.w3.org/1999/xhtml\" lang") == false {
		t.Error("not a black, self-contained page")
	}
	if !strings.Contains(s, "&lt;cat&gt;") || !strings.Contains(s, "\u2401\uFFFD&amp;") {
		t.Error("token text not escaped")
	}
}

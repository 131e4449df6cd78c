package figures

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strings"
)

// Inferno returns the colour of v ∈ [0, 1] in matplotlib's inferno map, as
// a ListedColormap picks it (entry int(v·256), the last for v = 1).
func Inferno(v float64) (r, g, b uint8) {
	i := int(v * 256)
	if v != v || i < 0 {
		i = 0
	}
	i = min(i, 255)
	c := inferno[i]
	return uint8(math.Round(c[0] * 255)), uint8(math.Round(c[1] * 255)), uint8(math.Round(c[2] * 255))
}

// Token is one token of the heat map.
type Token struct {
	Text []byte  // the token's bytes, decoded on its own
	Rank int     // rank in the model's top-K list, −1 for a miss (literal)
	Prob float64 // the model's probability (0 for a miss)
	Bits float64 // what the token costs in the coded file
}

// The three views' colour values, from 0.5 (red: expected) to 1
// (pale yellow: surprising).

// DepthValue is the seed's "Colorized on Index Depth": 0.5 + 0.5·min(rank,
// 16)/16, misses 1.
func DepthValue(t Token) float64 {
	if t.Rank < 0 {
		return 1
	}
	return 0.5 + 0.5*float64(min(t.Rank, 16))/16
}

// ProbValue is the seed's "Colorized on Model Probability": 0.5 + 0.5·(1 −
// √p), misses 1.
func ProbValue(t Token) float64 {
	if t.Rank < 0 {
		return 1
	}
	return 0.5 + 0.5*(1-math.Sqrt(math.Max(0, math.Min(1, t.Prob))))
}

// BitsScale is the cost at which the bits view saturates.
const BitsScale = 20

// BitsValue is lmzip's third view, "Colorized on Bits per Token": 0.5 +
// 0.5·min(bits, 20)/20.
func BitsValue(t Token) float64 {
	return 0.5 + 0.5*math.Min(math.Max(t.Bits, 0), BitsScale)/BitsScale
}

// View is one column of the heat map.
type View struct {
	Title string
	Value func(Token) float64
}

// Views are the heat map's columns: the seed's two and the bits view.
var Views = []View{
	{"Colorized on Index Depth", DepthValue},
	{"Colorized on Model Probability", ProbValue},
	{"Colorized on Bits per Token", BitsValue},
}

// printable returns the token's text as valid UTF-8 without the control
// characters that XML forbids (shown as their Unicode control pictures).
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20:
			return 0x2400 + r
		case r == 0x7f:
			return 0x2421
		case r == 0xFFFE || r == 0xFFFF:
			return 0xFFFD
		}
		return r
	}, s)
}

// Heatmap renders figure 5 as one self-contained page, HTML that is also
// well-formed XHTML like the seed's (inline CSS, no scripts, no external
// resources): on a black background, the text token
// by token in one column per view, each token coloured with the inferno
// map. caption is shown above the columns.
func Heatmap(caption string, toks []Token) []byte {
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>
<title>lmzip heat map</title>
<style>
body{background:#000;color:#ddd;font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;margin:16px}
h1{font-size:16px;font-weight:normal;color:#fff;margin:0 0 4px}
p.cap{font-size:12px;color:#aaa;margin:0 0 12px}
.cols{display:grid;grid-template-columns:repeat(` + fmt.Sprint(len(Views)) + `,minmax(0,1fr));gap:24px}
h2{font-size:14px;font-weight:normal;color:#fff;margin:0 0 8px}
.t{white-space:pre-wrap;word-wrap:break-word;font-size:13px;line-height:1.35}
.bar{display:flex;height:10px;margin:0 0 10px}
.bar span{flex:1}
`)
	for i := 128; i < 256; i++ {
		r, g, bl := Inferno(float64(i) / 256)
		fmt.Fprintf(&b, ".c%d{color:#%02x%02x%02x}\n", i, r, g, bl)
	}
	b.WriteString("</style></head><body>\n")
	fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(caption))
	b.WriteString(`<p class="cap">Each token is coloured by the inferno map from red (expected, the middle of the map) to pale yellow (surprising); misses (literals) are pale yellow in the first two columns. Bits are the token's cost under the rank coder's static table, saturating at ` + fmt.Sprint(BitsScale) + ` bits.</p>` + "\n")
	b.WriteString(`<div class="cols">` + "\n")
	for _, v := range Views {
		b.WriteString("<div>\n")
		fmt.Fprintf(&b, "<h2>%s</h2>\n<div class=\"bar\">", html.EscapeString(v.Title))
		for i := 128; i < 256; i += 8 {
			r, g, bl := Inferno(float64(i) / 256)
			fmt.Fprintf(&b, "<span style=\"background:#%02x%02x%02x\"></span>", r, g, bl)
		}
		b.WriteString("</div>\n<div class=\"t\">")
		for _, t := range toks {
			i := min(255, max(128, int(v.Value(t)*256)))
			text := printable(t.Text)
			fmt.Fprintf(&b, "<span class=\"c%d\" title=\"rank %d, p %.4g, %.1f bits\">%s</span>", i, t.Rank, t.Prob, t.Bits, html.EscapeString(text))
		}
		b.WriteString("</div>\n</div>\n")
	}
	b.WriteString("</div>\n</body></html>\n")
	return b.Bytes()
}

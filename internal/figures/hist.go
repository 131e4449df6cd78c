// Package figures draws the seed article's figures from the rank files of
// lmzip's seed stages, without any plotting library: the rank histogram
// (figure 4) as SVG or PNG, and the token heat map (figure 5) as one
// self-contained HTML page.
package figures

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
)

// Histogram is the distribution of ranks of figure 4: the percentage of all
// symbols at each rank, misses (literals) at −1.
type Histogram struct {
	Total   int
	Percent map[int]float64 // rank (−1 = miss) → % of symbols
}

// NewHistogram counts ranks (−1 for a miss).
func NewHistogram(ranks []int) *Histogram {
	h := &Histogram{Total: len(ranks), Percent: map[int]float64{}}
	for _, r := range ranks {
		if r < 0 {
			r = -1
		}
		h.Percent[r] += 100 / float64(len(ranks))
	}
	return h
}

// The plot's geometry: 10×3 inches at 100 dpi, x from −2 to 40 ("Index"),
// y from 0 to the largest bar ("% of Symbols"), black bars of width 0.5 at
// 50% opacity, as the seed's plotTokenHist.py draws them.
const (
	plotW, plotH       = 1000, 300
	left, right        = 80, 20
	top, bottom        = 20, 55
	xMin, xMax         = -2.0, 40.0
	barWidth           = 0.5
	barOpacity         = 0.5
	xLabel, yLabel     = "Index", "% of Symbols"
	tickLen            = 5
	fontScale          = 2
	svgFontSize        = 14
	xTickStep          = 5
	plotInnerW         = plotW - left - right
	plotInnerH         = plotH - top - bottom
	maxTicksOnYAxis    = 6
	minimumYAxisTopPct = 1.0
)

// yScale returns the top of the y axis and the tick step: a "nice" step
// (1, 2 or 5 × 10^k) giving at most six ticks.
func (h *Histogram) yScale() (top, step float64) {
	mx := minimumYAxisTopPct
	for r, p := range h.Percent {
		if float64(r) >= xMin && float64(r) <= xMax {
			mx = math.Max(mx, p)
		}
	}
	raw := mx / maxTicksOnYAxis
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	return math.Ceil(mx/step) * step, step
}

func xPix(x float64) float64 { return left + (x-xMin)/(xMax-xMin)*plotInnerW }

func (h *Histogram) bars() (ranks []int) {
	for r := int(xMin); r <= int(xMax); r++ {
		if h.Percent[r] > 0 {
			ranks = append(ranks, r)
		}
	}
	return ranks
}

func fmtTick(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// SVG draws the histogram as an SVG document.
func (h *Histogram) SVG() []byte {
	yTop, yStep := h.yScale()
	yPix := func(y float64) float64 { return top + plotInnerH*(1-y/yTop) }
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Arial, sans-serif" font-size="%d">
<rect width="100%%" height="100%%" fill="white"/>
`, plotW, plotH, plotW, plotH, svgFontSize)
	fmt.Fprintf(&b, "<g fill=\"black\" fill-opacity=\"%g\">\n", barOpacity)
	for _, r := range h.bars() {
		x0, x1 := xPix(float64(r)-barWidth/2), xPix(float64(r)+barWidth/2)
		y := yPix(h.Percent[r])
		fmt.Fprintf(&b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"><title>rank %d: %.3f%%</title></rect>\n", x0, y, x1-x0, yPix(0)-y, r, h.Percent[r])
	}
	b.WriteString("</g>\n<g stroke=\"black\" fill=\"none\">\n")
	fmt.Fprintf(&b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", left, top, plotInnerW, plotInnerH)
	for x := 0; x <= int(xMax); x += xTickStep {
		px := xPix(float64(x))
		fmt.Fprintf(&b, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\"/>\n", px, top+plotInnerH, px, top+plotInnerH+tickLen)
	}
	for y := 0.0; y <= yTop+yStep/2; y += yStep {
		py := yPix(y)
		fmt.Fprintf(&b, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\"/>\n", left-tickLen, py, left, py)
	}
	b.WriteString("</g>\n<g fill=\"black\">\n")
	for x := 0; x <= int(xMax); x += xTickStep {
		fmt.Fprintf(&b, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", xPix(float64(x)), top+plotInnerH+tickLen+16, x)
	}
	for y := 0.0; y <= yTop+yStep/2; y += yStep {
		fmt.Fprintf(&b, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n", left-tickLen-3, yPix(y)+5, fmtTick(y))
	}
	fmt.Fprintf(&b, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", left+plotInnerW/2.0, plotH-8, xLabel)
	fmt.Fprintf(&b, "<text transform=\"translate(%d %.2f) rotate(-90)\" text-anchor=\"middle\">%s</text>\n", 20, top+plotInnerH/2.0, yLabel)
	b.WriteString("</g>\n</svg>\n")
	return b.Bytes()
}

// PNG draws the histogram as a PNG image (same layout as SVG).
func (h *Histogram) PNG() ([]byte, error) {
	yTop, yStep := h.yScale()
	yPix := func(y float64) float64 { return top + plotInnerH*(1-y/yTop) }
	img := image.NewRGBA(image.Rect(0, 0, plotW, plotH))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	black := color.RGBA{0, 0, 0, 255}
	grey := uint8(math.Round(255 * (1 - barOpacity)))
	bar := color.RGBA{grey, grey, grey, 255} // black at 50% over white
	fill := func(x0, y0, x1, y1 int, c color.RGBA) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
	for _, r := range h.bars() {
		x0, x1 := int(math.Round(xPix(float64(r)-barWidth/2))), int(math.Round(xPix(float64(r)+barWidth/2)))
		y0 := int(math.Round(yPix(h.Percent[r])))
		fill(x0, y0, x1, top+plotInnerH, bar)
	}
	// Frame.
	fill(left, top, left+plotInnerW+1, top+1, black)
	fill(left, top+plotInnerH, left+plotInnerW+1, top+plotInnerH+1, black)
	fill(left, top, left+1, top+plotInnerH+1, black)
	fill(left+plotInnerW, top, left+plotInnerW+1, top+plotInnerH+1, black)
	for x := 0; x <= int(xMax); x += xTickStep {
		px := int(math.Round(xPix(float64(x))))
		fill(px, top+plotInnerH, px+1, top+plotInnerH+tickLen, black)
		s := fmt.Sprint(x)
		drawText(img, px-textWidth(s, fontScale)/2, top+plotInnerH+tickLen+4, s, fontScale, black, false)
	}
	for y := 0.0; y <= yTop+yStep/2; y += yStep {
		py := int(math.Round(yPix(y)))
		fill(left-tickLen, py, left, py+1, black)
		s := fmtTick(y)
		drawText(img, left-tickLen-4-textWidth(s, fontScale), py-7*fontScale/2, s, fontScale, black, false)
	}
	drawText(img, left+plotInnerW/2-textWidth(xLabel, fontScale)/2, plotH-7*fontScale-6, xLabel, fontScale, black, false)
	drawText(img, 8, top+plotInnerH/2+textWidth(yLabel, fontScale)/2, yLabel, fontScale, black, true)
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// DistinctColors returns the number of different colours in a PNG image,
// for checking that a rendered page is not blank.
func DistinctColors(pngData []byte) (int, image.Rectangle, error) {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return 0, image.Rectangle{}, err
	}
	seen := map[color.RGBA64]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA64{uint16(r), uint16(g), uint16(bl), uint16(a)}] = true
		}
	}
	return len(seen), b, nil
}

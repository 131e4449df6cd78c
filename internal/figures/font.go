package figures

import (
	"image"
	"image/color"
)

// A 5×7 bitmap font for the few characters the PNG figures write: digits,
// signs and the letters of their axis labels. Unknown characters are drawn
// as a box.
var glyphs = map[rune]string{
	'0': ".###.#...##..###.#.###..##...#.###.",
	'1': "..#...##....#....#....#....#...###.",
	'2': ".###.#...#....#...#...#...#...#####",
	'3': "#####...#...#.....#.....##...#.###.",
	'4': "...#...##..#.#.#..#.#####...#....#.",
	'5': "######....####.....#....##...#.###.",
	'6': "..##..#...#....####.#...##...#.###.",
	'7': "#####....#...#...#...#....#....#...",
	'8': ".###.#...##...#.###.#...##...#.###.",
	'9': ".###.#...##...#.####....#...#..##..",
	'-': "...............#####...............",
	'.': "..........................##...##..",
	'%': "##...##..#...#...#...#...#..##...##",
	'I': ".###...#....#....#....#....#...###.",
	'n': "..........#.##.##..##...##...##...#",
	'd': "....#....#.##.##..###...##...#.####",
	'e': "...........###.#...#######.....###.",
	'x': "..........#...#.#.#...#...#.#.#...#",
	'o': "...........###.#...##...##...#.###.",
	'f': "..##..#..#.#...###...#....#....#...",
	'S': ".#####....#.....###.....#....#####.",
	'y': "..........#...##...#.####....#.###.",
	'm': "..........##.#.#.#.##.#.##...##...#",
	'b': "#....#....#.##.##..##...##...#####.",
	'l': ".##....#....#....#....#....#...###.",
	's': "...........###.#.....###.....#####.",
	' ': "...................................",
}

// glyph returns the 35 pixels of r, row by row ('#' = ink).
func glyph(r rune) string {
	g, ok := glyphs[r]
	if !ok {
		return "######...##...##...##...##...######"
	}
	return g
}

// textWidth returns the width in pixels of s at the given scale.
func textWidth(s string, scale int) int {
	n := len([]rune(s))
	if n == 0 {
		return 0
	}
	return (6*n - 1) * scale
}

// drawText draws s with its top left corner at (x, y), each font pixel
// scale×scale; vertical text reads bottom to top with (x, y) its bottom
// left corner.
func drawText(img *image.RGBA, x, y int, s string, scale int, c color.RGBA, vertical bool) {
	for i, r := range []rune(s) {
		g := glyph(r)
		for row := 0; row < 7; row++ {
			for col := 0; col < 5; col++ {
				if g[row*5+col] != '#' {
					continue
				}
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						px, py := x+(i*6+col)*scale+dx, y+row*scale+dy
						if vertical {
							px, py = x+row*scale+dy, y-((i*6+col)*scale+dx)
						}
						img.SetRGBA(px, py, c)
					}
				}
			}
		}
	}
}

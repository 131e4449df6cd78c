//go:build (amd64 || arm64) && !noasm

package kernel

import "unsafe"

// The drivers of the assembly matrix-product micro-kernels (tiles), shared
// by the architectures.

// A tileFunc computes dst[r*ldd+c] = Σ_{i<k} x[r*ldx+i]·w(i, c) for r < rows
// and the 64 columns c of one panel (float32 or bfloat16 weights); rows is
// at most the driver's row tile.
type tileFunc[E float32 | uint16] func(dst *float32, ldd int, x *float32, ldx int, w *E, k int, rows int)

// An int8Tile computes, for r < rows and the 64 columns c of one Int8 panel
// (groups groups of 4 inputs),
//
//	dst[r*ldd+c] = float32(float32(acc)·sx[r])·sw[c],  acc = Σ_i x[r*ldx+i]·w(i, c) (+ corr[c])
//
// with x the rows as int8 (q) or, for kernels that take unsigned inputs,
// as uint8 (q+128, corrected by corr = -128·Σ_i w(i, c)).
type int8Tile[X int8 | uint8] func(dst *float32, ldd int, x *X, ldx int, w *int8, groups int, rows int, corr *int32, sx, sw *float32)

// matmulGroupBytes bounds the weights of the panels that a band of row tiles
// sweeps before moving on: they stay in the (1 MiB) L2 cache while the rows
// stream past.
const matmulGroupBytes = 512 << 10

// tiles returns the matmul entry of a float32 or bfloat16 micro-kernel.
func tiles[E float32 | uint16](tile tileFunc[E], rowTile int) matmulFunc {
	return func(dst []float32, a *lhs, m int, w *Matrix, p0, p1 int) {
		var data []E
		switch d := any(&data).(type) {
		case *[]float32:
			*d = w.f32
		case *[]uint16:
			*d = w.u16
		}
		matmulTiles(tile, rowTile, dst, a.x, m, w.K, w.N, data, p0, p1)
	}
}

// rowSplit returns the number of rows of the next tile when rest rows are
// left: the rows are spread evenly over the tiles (7 rows as 4+3, not 6+1),
// as a tile costs about as much as its rows.
func rowSplit(rest, rowTile int) int {
	tiles := (rest + rowTile - 1) / rowTile
	return (rest + tiles - 1) / tiles
}

// matmulTiles runs a float32 or bfloat16 micro-kernel over panels [p0, p1):
// panels are taken in groups that fit the L2 cache; for each group, every
// tile of rows runs over every panel of the group (the tile's rows stay in
// L1). The weights are data, panels of K×panelWidth values of type E.
func matmulTiles[E float32 | uint16](tile tileFunc[E], rowTile int, dst, x []float32, m, K, N int, data []E, p0, p1 int) {
	if m <= 0 || p0 >= p1 {
		return
	}
	if len(dst) < m*N || len(x) < m*K || len(data) < p1*K*panelWidth {
		panic("kernel: matmul operands too short")
	}
	if K == 0 {
		for r := 0; r < m; r++ {
			clear(dst[r*N+p0*panelWidth : r*N+min(N, p1*panelWidth)])
		}
		return
	}
	group := max(1, matmulGroupBytes/(int(unsafe.Sizeof(data[0]))*K*panelWidth))
	var scratch *[matmulRowTile * panelWidth]float32
	for g0 := p0; g0 < p1; g0 += group {
		g1 := min(p1, g0+group)
		for r0, R := 0, 0; r0 < m; r0 += R {
			R = rowSplit(m-r0, rowTile)
			xp := &x[r0*K]
			for p := g0; p < g1; p++ {
				wp := &data[p*K*panelWidth]
				c0 := p * panelWidth
				if cols := N - c0; cols >= panelWidth {
					tile(&dst[r0*N+c0], N, xp, K, wp, K, R)
				} else {
					// The last panel is partly padding: compute it aside
					// (allocated here, once per call: it escapes through
					// the indirect call, and most matrices have no such
					// panel).
					if scratch == nil {
						scratch = new([matmulRowTile * panelWidth]float32)
					}
					tile(&scratch[0], panelWidth, xp, K, wp, K, R)
					for r := 0; r < R; r++ {
						copy(dst[(r0+r)*N+c0:(r0+r)*N+N], scratch[r*panelWidth:r*panelWidth+cols])
					}
				}
			}
		}
	}
}

// tilesInt8 returns the Int8 matmul entry of an int8 micro-kernel that
// takes the rows as int8 (q) or, with X = uint8, as q+128.
func tilesInt8[X int8 | uint8](tile int8Tile[X], rowTile int) matmulFunc {
	return func(dst []float32, a *lhs, m int, w *Matrix, p0, p1 int) {
		var x []X
		switch d := any(&x).(type) {
		case *[]int8:
			*d = a.q
		case *[]uint8:
			*d = a.u
		}
		matmulTilesInt8(tile, rowTile, dst, x, a.k4, a.scale, m, w, p0, p1)
	}
}

// matmulTilesInt8 is matmulTiles for Int8 matrices: x holds m rows of K4
// values, scale their scales.
func matmulTilesInt8[X int8 | uint8](tile int8Tile[X], rowTile int, dst []float32, x []X, K4 int, scale []float32, m int, w *Matrix, p0, p1 int) {
	if m <= 0 || p0 >= p1 {
		return
	}
	N := w.N
	if K4 != k4(w.K) || len(dst) < m*N || len(x) < m*K4 || len(scale) < m || len(w.i8) < p1*K4*panelWidth {
		panic("kernel: matmul operands too short")
	}
	group := max(1, matmulGroupBytes/(max(K4, 4)*panelWidth))
	var scratch *[matmulRowTile * panelWidth]float32
	for g0 := p0; g0 < p1; g0 += group {
		g1 := min(p1, g0+group)
		for r0, R := 0, 0; r0 < m; r0 += R {
			R = rowSplit(m-r0, rowTile)
			var xp *X
			if K4 > 0 {
				xp = &x[r0*K4]
			}
			for p := g0; p < g1; p++ {
				var wp *int8
				if K4 > 0 {
					wp = &w.i8[p*K4*panelWidth]
				}
				c0 := p * panelWidth
				corr, sw := &w.corr[c0], &w.scale[c0]
				if cols := N - c0; cols >= panelWidth {
					tile(&dst[r0*N+c0], N, xp, K4, wp, K4/4, R, corr, &scale[r0], sw)
				} else {
					if scratch == nil { // as in matmulTiles
						scratch = new([matmulRowTile * panelWidth]float32)
					}
					tile(&scratch[0], panelWidth, xp, K4, wp, K4/4, R, corr, &scale[r0], sw)
					for r := 0; r < R; r++ {
						copy(dst[(r0+r)*N+c0:(r0+r)*N+N], scratch[r*panelWidth:r*panelWidth+cols])
					}
				}
			}
		}
	}
}

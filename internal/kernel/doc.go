// Package kernel holds the numeric kernels of the model engine: the matrix
// product, the attention inner loops, reductions and the elementwise
// functions (exp, SiLU) that a forward pass is made of.
//
// # The numeric recipe
//
// lmzip's archives are only decodable if decompression computes bit-identical
// probabilities to compression, on every machine. Every function here is
// therefore defined by an exact sequence of IEEE-754 float32 operations, and
// every implementation (the plain Go one in this package and the assembly
// ones selected at run time) performs exactly that sequence:
//
//   - No fused multiply-add anywhere: a product is rounded to float32 before
//     it is added. In Go this is written float32(a*b) + c, which the compiler
//     may not fuse.
//   - A dot product or matrix product accumulates its terms one at a time in
//     index order, starting from zero (MatMul, Scores, Mix). SIMD code
//     vectorises across independent outputs, never across the reduction.
//   - A sum over a vector (Sum, SumSquares) uses 16 interleaved partial sums
//     (lane l takes the elements i with i mod 16 == l, in order) that are then
//     folded in a fixed tree: lanes l and l+8, then l and l+4, l+2, l+1. The
//     order depends only on the vector length.
//   - Maxima are exact; integer sums are exact in any order.
//   - Exp is a fixed polynomial evaluated with the same operations in every
//     implementation; math.Exp, whose assembly differs between
//     architectures, is never used.
//
// Two storage formats are widened exactly before this arithmetic:
//
//   - bfloat16 weights (NewMatrixBF16Packed, Matrix.BF16): MatMul widens
//     each weight (bits<<16) and computes exactly what it computes for the
//     float32 matrix of the widened values, so they do not change the recipe.
//   - float16 keys and values (RoundF16, ScoresF16, MixF16): Scores and Mix
//     on the exactly widened values. Rounding the cache to float16 changes
//     what a model computes, so an engine that does so follows a different
//     recipe than one with a float32 cache and must record that; every
//     implementation of these kernels computes the same bits.
//
// The recipe is identified by RecipeID, which lmzip records in its archives.
// Any change to the operation sequence of any function here must change
// RecipeID.
//
// A NaN result is NaN in every implementation, but which NaN (its sign and
// payload) is not part of the recipe: when two NaNs meet, the one returned
// depends on the operand order the compiler happens to choose, and the NaN
// an invalid operation produces differs between architectures. Every other
// bit of every result is, including the sign of zero.
//
// The assembly implementations (amd64: AVX-512, then AVX2) are chosen at
// run time from the CPU's features; the build tag noasm selects the plain Go
// code everywhere. Tests compare every implementation against the plain Go
// one bit for bit.
package kernel

// RecipeID names the numeric recipe implemented by this package. Archives
// record it; an archive written under one recipe can only be decoded under
// the same recipe.
const RecipeID = 1

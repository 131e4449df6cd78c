// Package seed reimplements the toolkit of the seed project, ijm/LLM-compression
// ("A Compression View of Large Language Models"), inside lmzip: its nine
// pipeline stages with their JSON files, its rANS coder and .bin layout (bit
// for bit), the rank transform with a language model, generation from
// bytes, and the period case-flip of its gzip baseline.
//
// # Files
//
// Every stage reads and writes the seed's JSON shapes: Python json.dumps
// output with its defaults (", " and ": " separators, ASCII escapes,
// Python float repr, keys in the seed's order), no trailing newline. Each
// token is a three-element array [id, rank, prob]. Any valid JSON is read,
// as Python's json.loads reads it (Unmarshal).
//
//	*.toksout.json   {"modelName", "vocabSize", "comment", "tokenList"}          TokensOfStr
//	*.ttout.json     + "contextwindow", "topN"; ranks and probabilities filled ModelToInx
//	*.rangedout.json − tokenList + "precision", "length", "inxToSym", "counts", "compressed"  RangeEncode
//	*.bin            20-byte header and three arrays, big-endian              BinOfRange
//	*.rangedin.json  {"precision", "length", "inxToSym", "counts", "compressed"} BinToRange
//	*.ttin.json      + "tokenList" of literals and ranks                      RangeDecode
//	*.toksin.json    + "modelName", "contextwindow", "topN"; ids filled          ModelOfInx
//
// # Where lmzip differs from the seed
//
//   - binOfRange: the seed stores counts[:counts.index(1)] and crashes
//     (ValueError) when no count equals 1. WriteBin drops the trailing run
//     of counts equal to 1 instead, which is the same where the seed works
//     and stores all counts where it crashes; the seed's binToRange reads
//     such a file back unchanged (it appends nSym−nCnt = 0 ones).
//   - The rank transform runs the model with a KV cache instead of one full
//     forward pass per token, so its sliding window is not the seed's exact
//     tokens[p−w:p]; see Ranker for the scheme. Top-K ties are broken by
//     the lower token id.
//   - Text is tokenized as bytes, so input that is not valid UTF-8 is
//     accepted (the seed raises UnicodeDecodeError) and tokensToStr writes
//     the exact bytes of the tokens (the seed's tokenizer.decode would put
//     U+FFFD in place of invalid sequences).
package seed

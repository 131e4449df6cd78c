package lmzip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/lmzip/lmzip/internal/cm"
	"github.com/lmzip/lmzip/internal/lmcoder"
	"github.com/lmzip/lmzip/internal/mix"
	"github.com/lmzip/lmzip/internal/primer"
)

// Scheme is how an archive uses its model beyond one window: the context
// a lane carries from window to window, and the adaptive models mixed with
// the model's predictions. The zero Scheme is plain coding: segments of at
// most the model's context, each from a cold start, coded with the model's
// distribution alone (format version 1).
type Scheme struct {
	// Window is the number of positions the model sees; 0 means plain
	// coding (no lanes).
	Window int
	// Keep is the number of positions (the start token included) kept
	// when the window slides; 1 starts each window cold.
	Keep int
	// Recompute runs the kept tokens through the model again instead of
	// shifting the KV cache.
	Recompute bool
	// Orders is the highest order of the token n-gram models (0..4).
	Orders int
	// Match mixes in the match model.
	Match bool
	// Bias learns a bias for every token's logit.
	Bias bool
	// Scale learns a scale for the model's logits.
	Scale bool
	// CM is the version of the context-mixing model (package cm) that
	// codes the lanes the language model does not and measures what they
	// would cost; 0 means version 1. Plain coding always uses version 1
	// (its archives have no scheme to record another).
	CM int
	// Second names a second model run beside the archive's on the same
	// tokens, whose logits the mixer mixes in with a learned weight ("" for
	// none). It must be a built-in model with the model's vocabulary
	// ("small" beside "base"). SecondID is its identity, which a Writer
	// fills in and a reader goes by; the archive records the name as a
	// hint, whole, or not at all when a short input leaves no room.
	Second   string
	SecondID [8]byte
	// AdaptRate, when not 0, is dynamic evaluation: the model learns the
	// lanes as they are coded, an Adam step of this learning rate on the
	// code length of the tokens of every AdaptEvery steps of the lanes
	// (model.Adapter). It needs a Llama-family model; archives with it are
	// format version 3.
	AdaptRate  float32
	AdaptEvery int
	// Primer, when not 0, is the ID of the built-in text (package
	// internal/primer: 1 is Project Gutenberg's boilerplate) that the
	// n-gram and match models learn before the first lane. It needs the
	// match model; archives with it are format version 3. A Writer whose
	// scheme has the match model and no primer picks one by the start of
	// its input (Options.NoPrimer turns that off).
	Primer int
}

// Adapts reports whether the scheme's model learns the lanes (dynamic
// evaluation).
func (s Scheme) Adapts() bool { return s.AdaptRate != 0 }

// HasSecond reports whether the scheme runs a second model: it names one,
// or records its identity (an archive's name may be cut to nothing).
func (s Scheme) HasSecond() bool { return s.Second != "" || s.SecondID != [8]byte{} }

// cmVersion returns the version of the context-mixing model: 1 for plain
// coding, whose archives (version 1) have no scheme to record another.
func (s Scheme) cmVersion() int {
	if s.Plain() {
		return cm.Version1
	}
	return max(s.CM, cm.Version1)
}

// Plain reports whether s is plain coding.
func (s Scheme) Plain() bool { return s.Window == 0 }

func (s Scheme) slide() lmcoder.Slide {
	return lmcoder.Slide{Window: s.Window, Keep: s.Keep, Recompute: s.Recompute}
}

func (s Scheme) mix() mix.Config {
	return mix.Config{Orders: s.Orders, Match: s.Match, Bias: s.Bias, Scale: s.Scale, Second: s.HasSecond()}
}

// String describes the scheme in a line.
func (s Scheme) String() string {
	if s.Plain() {
		return "plain (cold 1-window segments, model alone)"
	}
	ctx := fmt.Sprintf("window %d", s.Window)
	switch {
	case s.Keep <= 1:
		ctx += ", cold"
	case s.Recompute:
		ctx += fmt.Sprintf(", keeps %d (recomputed)", s.Keep)
	default:
		ctx += fmt.Sprintf(", keeps %d (shifted)", s.Keep)
	}
	m := ""
	if s.Orders > 0 {
		m += fmt.Sprintf(" n-gram 1-%d", s.Orders)
	}
	if s.Match {
		m += " match"
	}
	if s.Bias {
		m += " bias"
	}
	if s.Scale {
		m += " scale"
	}
	if s.HasSecond() {
		m += fmt.Sprintf(" second-model(%s id %x)", plainName(s.Second), s.SecondID)
	}
	if s.Adapts() {
		m += fmt.Sprintf(" dynamic-evaluation(rate %g every %d)", s.AdaptRate, s.AdaptEvery)
	}
	if s.Primer != 0 {
		name := "unknown"
		if p, ok := primer.Lookup(s.Primer); ok {
			name = p.Name
		}
		m += fmt.Sprintf(" primer(%d %s)", s.Primer, name)
	}
	if m == "" {
		m = " none"
	}
	return ctx + "; mixing:" + m + fmt.Sprintf("; context mixing version %d", s.cmVersion())
}

// Scheme flags in the header. Bits 4-6 hold the context-mixing model's
// version less 1 (so 0 is version 1, as in archives made before there were
// others), up to version 7; 7 (cmEscape) means a uvarint with the version
// follows the flags. Bit 7 (schemeSecond) means a second model's name and
// identity follow (after the version, if any).
const (
	schemeRecompute = 1 << iota
	schemeMatch
	schemeBias
	schemeScale
	schemeCMShift = iota
	schemeCMMask  = 7 << schemeCMShift
	cmEscape      = 7
	schemeSecond  = 1 << 7
	schemeKnown   = 1<<schemeCMShift - 1 | schemeCMMask | schemeSecond
)

// Extension flags of a version 3 scheme, a uvarint after the rest: bit 0
// (extAdapt) means dynamic evaluation with the levels' parameters
// (adaptRate, adaptEvery); bit 1 (extAdaptWith) dynamic evaluation whose
// learning rate (float32 bits, little-endian) and uvarint step interval
// follow. (The levels' costs one byte, so that the header of an empty
// input still has room for the model's name.) Bit 2 (extPrimer) means a
// primer's ID follows, a uvarint (after the rate and interval, if any).
const (
	extAdapt = 1 << iota
	extAdaptWith
	extPrimer
	extKnown = extAdapt | extAdaptWith | extPrimer
)

// Extended reports whether the scheme has an extension of format version
// 3: dynamic evaluation or a primer.
func (s Scheme) Extended() bool { return s.Adapts() || s.Primer != 0 }

// checkPrimer checks a scheme's primer: one this lmzip has, for a scheme
// with the match model (the models a primer feeds; without it the n-gram
// models alone would learn the primer, which no writer does).
func checkPrimer(s Scheme) error {
	if !s.Match {
		return errPrimerNoMatch
	}
	if _, ok := primer.Lookup(s.Primer); !ok {
		return fmt.Errorf("primer %d is not built into this lmzip: upgrade lmzip", s.Primer)
	}
	return nil
}

// errPrimerNoMatch is checkPrimer's error for a scheme without the match
// model: in an archive, a format error (no writer makes one).
var errPrimerNoMatch = errors.New("a primer without the match model")

// The levels' dynamic evaluation: Adam's learning rate, and the steps of
// the lanes between two learning steps.
const (
	adaptRate  float32 = 1e-4
	adaptEvery         = 32
)

// maxAdaptRate bounds a scheme's learning rate, and minAdaptEvery and
// maxAdaptEvery its steps between two learning steps: each costs an Adam
// step over the adapted weights, which a hostile archive must not make
// every step, and the rows of every lane's steps are held until it (some
// 45 kB each for lmzip-base, so that 64 steps of a lane take less than its
// cache).
const (
	maxAdaptRate  = 0.1
	minAdaptEvery = 8
	maxAdaptEvery = 64
)

// checkAdapt checks a scheme's dynamic evaluation: its rate and interval,
// and that its windows shift (the rows a recomputing window runs again
// would be held for nothing; every model that can learn can shift).
func checkAdapt(s Scheme) error {
	if !(s.AdaptRate > 0 && s.AdaptRate <= maxAdaptRate) {
		return fmt.Errorf("dynamic evaluation's learning rate %v (above 0, at most %v)", s.AdaptRate, maxAdaptRate)
	}
	if s.AdaptEvery < minAdaptEvery || s.AdaptEvery > maxAdaptEvery {
		return fmt.Errorf("dynamic evaluation every %d steps (%d to %d)", s.AdaptEvery, minAdaptEvery, maxAdaptEvery)
	}
	if s.Recompute {
		return errors.New("dynamic evaluation with windows that recompute (it needs them to shift)")
	}
	return nil
}

// append appends the scheme as header version writes it.
func (s Scheme) append(b []byte, version int) []byte {
	b = binary.AppendUvarint(b, uint64(s.Window))
	b = binary.AppendUvarint(b, uint64(s.Keep))
	b = binary.AppendUvarint(b, uint64(s.Orders))
	var f byte
	if s.Recompute {
		f |= schemeRecompute
	}
	if s.Match {
		f |= schemeMatch
	}
	if s.Bias {
		f |= schemeBias
	}
	if s.Scale {
		f |= schemeScale
	}
	if s.HasSecond() {
		f |= schemeSecond
	}
	v := s.cmVersion() - 1
	f |= byte(min(v, cmEscape)) << schemeCMShift
	b = append(b, f)
	if v >= cmEscape {
		b = binary.AppendUvarint(b, uint64(s.CM))
	}
	if s.HasSecond() {
		b = binary.AppendUvarint(b, uint64(len(s.Second)))
		b = append(b, s.Second...)
		b = append(b, s.SecondID[:]...)
	}
	if version >= formatExt {
		var ext uint64
		switch {
		case !s.Adapts():
		case s.AdaptRate == adaptRate && s.AdaptEvery == adaptEvery:
			ext = extAdapt
		default:
			ext = extAdaptWith
		}
		if s.Primer != 0 {
			ext |= extPrimer
		}
		b = binary.AppendUvarint(b, ext)
		if ext&extAdaptWith != 0 {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(s.AdaptRate))
			b = binary.AppendUvarint(b, uint64(s.AdaptEvery))
		}
		if s.Primer != 0 {
			b = binary.AppendUvarint(b, uint64(s.Primer))
		}
	}
	return b
}

// readScheme reads a scheme of a header of the given version.
func readScheme(r byteReader, version int) (Scheme, error) {
	var s Scheme
	w, err := readUvarint(r, maxSegmentTokens)
	if err != nil {
		return s, err
	}
	k, err := readUvarint(r, maxSegmentTokens)
	if err != nil {
		return s, err
	}
	o, err := readUvarint(r, mix.MaxOrder)
	if err != nil {
		return s, err
	}
	f, err := r.ReadByte()
	if err != nil {
		return s, truncated(err)
	}
	if f&^schemeKnown != 0 {
		return s, formatErr("unknown scheme flags %#x", f)
	}
	s = Scheme{Window: int(w), Keep: int(k), Orders: int(o),
		Recompute: f&schemeRecompute != 0, Match: f&schemeMatch != 0, Bias: f&schemeBias != 0, Scale: f&schemeScale != 0}
	v := uint64(f&schemeCMMask>>schemeCMShift) + 1
	if v > cmEscape {
		if v, err = readUvarint(r, 1<<20); err != nil {
			return s, err
		}
		if v <= cmEscape {
			return s, formatErr("context-mixing version %d written as a large one", v)
		}
	}
	if f&schemeSecond != 0 {
		if s.Second, s.SecondID, err = readModel(r); err != nil {
			return s, err
		}
		if !s.HasSecond() {
			return s, formatErr("a second model with neither name nor identity")
		}
	}
	if version >= formatExt {
		ext, err := readUvarint(r, 1<<20)
		if err != nil {
			return s, err
		}
		if ext&(extAdapt|extAdaptWith) == extAdapt|extAdaptWith {
			return s, formatErr("scheme extension flags %#x: two kinds of dynamic evaluation", ext)
		}
		if ext&^extKnown != 0 {
			// Extensions are how the format grows: a later lmzip's.
			return s, fmt.Errorf("lmzip: the archive uses scheme extensions (%#x) newer than this lmzip implements: upgrade lmzip", ext&^extKnown)
		}
		if ext&extAdapt != 0 {
			s.AdaptRate, s.AdaptEvery = adaptRate, adaptEvery
		}
		if ext&extAdaptWith != 0 {
			var b [4]byte
			if _, err := io.ReadFull(r, b[:]); err != nil {
				return s, truncated(err)
			}
			s.AdaptRate = math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
			every, err := readUvarint(r, maxLaneTokens)
			if err != nil {
				return s, err
			}
			s.AdaptEvery = int(every)
		}
		if ext&(extAdapt|extAdaptWith) != 0 {
			if err := checkAdapt(s); err != nil {
				return s, formatErr("%v", err)
			}
		}
		if ext&extPrimer != 0 {
			id, err := readUvarint(r, 1<<20)
			if err != nil {
				return s, err
			}
			if id == 0 {
				return s, formatErr("primer 0")
			}
			s.Primer = int(id)
			if err := checkPrimer(s); err == errPrimerNoMatch {
				return s, formatErr("%v", err)
			} else if err != nil {
				return s, fmt.Errorf("lmzip: the archive's %v", err)
			}
		}
	}
	if s.Window < 2 || s.Keep < 1 || s.Keep >= s.Window {
		return s, formatErr("bad scheme: window %d keeps %d", s.Window, s.Keep)
	}
	if v > cm.LatestVersion {
		return s, fmt.Errorf("lmzip: the archive's context-mixing model (version %d) is newer than this lmzip implements (%d): upgrade lmzip", v, cm.LatestVersion)
	}
	if v > cm.Version1 {
		s.CM = int(v)
	}
	return s, nil
}

// Level is a compression level: the model, the scheme and how long the
// lanes are.
type Level struct {
	Model  string
	Scheme Scheme
	// LaneTokens is the fewest tokens a lane gets when the input is too
	// short to fill every lane of a block (longer lanes carry more
	// context; more lanes decode faster).
	LaneTokens int
}

// Levels 1 to 9; DefaultLevel is used when Options.Level is 0.
var levels = [...]Level{
	1: {Model: "small"},
	2: {Model: "small", Scheme: Scheme{Window: 1024, Keep: 1, Orders: 4, Match: true, Bias: true, Scale: true, CM: cm.Version2}, LaneTokens: 1024},
	3: {Model: "small", Scheme: Scheme{Window: 1024, Keep: 256, Orders: 4, Match: true, Bias: true, Scale: true, CM: cm.Version2}, LaneTokens: 4096},
	4: {Model: "base"},
	5: {Model: "base", Scheme: Scheme{Window: 1024, Keep: 1, Orders: 4, Match: true, Bias: true, Scale: true, CM: cm.Version2}, LaneTokens: 1024},
	6: {Model: "base", Scheme: Scheme{Window: 1024, Keep: 256, Orders: 4, Match: true, Bias: true, Scale: true, CM: cm.Version2, Second: "small"}, LaneTokens: 4096},
	7: {Model: "base", Scheme: Scheme{Window: 1024, Keep: 512, Orders: 4, Match: true, Bias: true, Scale: true, CM: cm.Version2, Second: "small"}, LaneTokens: 8192},
	8: {Model: "base", Scheme: Scheme{Window: 1024, Keep: 256, Orders: 4, Match: true, Bias: true, Scale: true, CM: cm.Version2, Second: "small", AdaptRate: adaptRate, AdaptEvery: adaptEvery}, LaneTokens: 4096},
	9: {Model: "base", Scheme: Scheme{Window: 1024, Keep: 512, Orders: 4, Match: true, Bias: true, Scale: true, CM: cm.Version2, Second: "small", AdaptRate: adaptRate, AdaptEvery: adaptEvery}, LaneTokens: 8192},
}

// DefaultLevel is the level a Writer uses unless told otherwise.
const DefaultLevel = 6

// Levels returns the compression levels, 1 to 9 (index 0 is unused).
func Levels() []Level { return append([]Level(nil), levels[:]...) }

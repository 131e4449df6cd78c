package mix

import (
	"os"
	"strconv"
	"strings"
)

var (
	tuneBiasRate   float32 = 0.002
	tuneBoostFloor float32 = 0.02
	tuneBoostInit  float32 = 4
	tuneAPM                = false
)

func init() {
	for _, kv := range strings.Split(os.Getenv("LMZIP_TUNE"), ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		f, _ := strconv.ParseFloat(v, 64)
		switch k {
		case "bias":
			tuneBiasRate = float32(f)
		case "floor":
			tuneBoostFloor = float32(f)
		case "apm":
			tuneAPM = f != 0
		case "init":
			tuneBoostInit = float32(f)
		}
	}
}

//go:build !unix

package model

import "time"

// cpuTime returns 0: CPU time is measured on unix systems only.
func cpuTime() time.Duration { return 0 }

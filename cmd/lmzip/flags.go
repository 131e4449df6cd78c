package main

import (
	"fmt"
	"strconv"
	"strings"
)

// flagSet is a small getopt-style parser: short flags may be combined
// (-kf), short flags take values as -m base or -mbase, long flags as
// --model base or --model=base, "--" ends the flags and "-" is an
// argument (standard input or output).
type flagSet struct {
	specs []*flagSpec
}

type flagSpec struct {
	short  byte
	long   string
	arg    string // the value's name; "" for a boolean flag
	usage  string
	set    func(v string) error
	hidden bool
}

func (fs *flagSet) boolVar(p *bool, short byte, long, usage string) {
	fs.specs = append(fs.specs, &flagSpec{short: short, long: long, usage: usage, set: func(string) error { *p = true; return nil }})
}

func (fs *flagSet) stringVar(p *string, short byte, long, arg, usage string) {
	fs.specs = append(fs.specs, &flagSpec{short: short, long: long, arg: arg, usage: usage, set: func(v string) error { *p = v; return nil }})
}

func (fs *flagSet) intVar(p *int, short byte, long, arg, usage string) {
	fs.specs = append(fs.specs, &flagSpec{short: short, long: long, arg: arg, usage: usage, set: func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("--%s wants a number, not %q", long, v)
		}
		*p = n
		return nil
	}})
}

// countVar is intVar for counts: the value must be 0 or more.
func (fs *flagSet) countVar(p *int, short byte, long, arg, usage string) {
	fs.intVar(p, short, long, arg, usage)
	spec := fs.specs[len(fs.specs)-1]
	set := spec.set
	spec.set = func(v string) error {
		if err := set(v); err != nil {
			return err
		}
		if *p < 0 {
			return fmt.Errorf("--%s wants 0 or more, not %d", long, *p)
		}
		return nil
	}
}

func (fs *flagSet) lookupShort(c byte) *flagSpec {
	for _, s := range fs.specs {
		if s.short == c && c != 0 {
			return s
		}
	}
	return nil
}

// longNames lists the long names of the flags.
func (fs *flagSet) longNames() []string {
	var names []string
	for _, s := range fs.specs {
		if s.long != "" {
			names = append(names, s.long)
		}
	}
	return names
}

func (fs *flagSet) lookupLong(name string) *flagSpec {
	for _, s := range fs.specs {
		if s.long == name {
			return s
		}
	}
	return nil
}

// parse sets the flags found in args and returns the other arguments.
func (fs *flagSet) parse(args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(rest, args[i+1:]...), nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			s := fs.lookupLong(name)
			if s == nil {
				return nil, fmt.Errorf("unknown flag --%s", name)
			}
			if s.arg == "" {
				if hasVal {
					return nil, fmt.Errorf("flag --%s takes no value", name)
				}
				if err := s.set(""); err != nil {
					return nil, err
				}
				continue
			}
			if !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("flag --%s needs a value (%s)", name, s.arg)
				}
				i++
				val = args[i]
			}
			if err := s.set(val); err != nil {
				return nil, err
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				s := fs.lookupShort(a[j])
				if s == nil {
					return nil, fmt.Errorf("unknown flag -%c", a[j])
				}
				if s.arg == "" {
					if err := s.set(""); err != nil {
						return nil, err
					}
					continue
				}
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, fmt.Errorf("flag -%c needs a value (%s)", a[j], s.arg)
					}
					i++
					val = args[i]
				}
				if err := s.set(val); err != nil {
					return nil, err
				}
				break
			}
		default:
			rest = append(rest, a)
		}
	}
	return rest, nil
}

// usage returns the flag table for --help.
func (fs *flagSet) usage() string {
	var b strings.Builder
	for _, s := range fs.specs {
		if s.hidden {
			continue
		}
		left := "    "
		if s.short != 0 {
			left = "-" + string(s.short) + ", "
		}
		if s.long != "" {
			left += "--" + s.long
		} else {
			left = strings.TrimSuffix(left, ", ")
		}
		if s.arg != "" {
			left += " " + s.arg
		}
		fmt.Fprintf(&b, "  %-26s %s\n", left, s.usage)
	}
	return b.String()
}

package config

import (
	"fmt"
	"os"
	"strings"
)

// expandEnv replaces ${NAME} with the value of environment variable NAME and
// ${NAME:-default} with its value, or default when it is unset or empty.
// "$${" is a literal "${"; a default cannot itself contain "${" (no nesting:
// an error, not a literal). A lone "$" is kept, so passwords containing "$"
// need no escaping. An unset NAME without a default is an error: a missing
// secret must not silently become an empty password.
func expandEnv(s string) (string, bool, error) {
	if !strings.Contains(s, "${") {
		return s, false, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), true, nil
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i]) // keeps one "$" of "$$", then the literal "{"
			b.WriteString("{")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", false, fmt.Errorf("unterminated %q: write ${NAME} or ${NAME:-default}", s[i:])
		}
		expr := s[i+2 : i+end]
		s = s[i+end+1:]
		name, def, hasDef := strings.Cut(expr, ":-")
		if strings.Contains(def, "${") {
			// ${A:-${B}} would otherwise end at the first "}" and leave a
			// literal "${B}" behind: a silent wrong value.
			return "", false, fmt.Errorf("nested ${...} in the default of ${%s}: not supported; write the default literally", name)
		}
		if !validEnvName(name) {
			return "", false, fmt.Errorf("invalid environment variable name %q in ${%s}: use letters, digits and _", name, expr)
		}
		v, ok := os.LookupEnv(name)
		switch {
		case hasDef && v == "":
			v = def
		case !ok:
			return "", false, fmt.Errorf("environment variable %s is not set: set it, or write ${%s:-default}", name, name)
		}
		b.WriteString(v)
	}
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

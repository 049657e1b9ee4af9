package capture

import (
	"fmt"
	"strings"
)

// splitArgs splits the command of an exec: source into arguments the way a
// POSIX shell splits words, without being one:
//
//   - unquoted blanks (space, tab, newline) separate arguments;
//   - '...' keeps everything inside literally (no escapes);
//   - "..." keeps everything inside, except that a backslash before
//     \ " $ ` or a newline escapes it;
//   - outside quotes a backslash escapes the next character;
//   - quotes may join parts of one argument: a'b c'd is "ab cd".
//
// There is no expansion of any kind ($VAR, ~, globs, $(...)) and no pipes or
// redirections: an unquoted | ; & < or > is an error (quote it to pass it
// literally, or run a shell explicitly: exec:sh -c '...'). ${VARS} in the
// config file are substituted before this, by package config.
func splitArgs(s string) ([]string, error) {
	var (
		args    []string
		cur     strings.Builder
		inWord  bool // cur holds an argument, possibly empty ('')
		quote   rune // 0, '\'' or '"' while inside quotes
		escaped bool
	)
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
			switch {
			case r == '\n': // a line continuation: both vanish
			case quote == '"' && !strings.ContainsRune("\\\"$`", r):
				cur.WriteByte('\\') // literal inside "..."
				cur.WriteRune(r)
			default:
				cur.WriteRune(r)
				inWord = true
			}
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped = true
		case quote == '"':
			if r == '"' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote = r
			inWord = true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		case strings.ContainsRune("|;&<>", r):
			return nil, fmt.Errorf("%w: exec: runs the command without a shell, so an unquoted %q is not a pipe or redirection; quote it to pass it as an argument, or run a shell: exec:sh -c '...'", ErrBadSource, r)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	switch {
	case escaped:
		return nil, fmt.Errorf("%w: exec: the command ends with a lone backslash", ErrBadSource)
	case quote != 0:
		return nil, fmt.Errorf("%w: exec: unterminated %c quote in the command", ErrBadSource, quote)
	}
	if inWord {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, fmt.Errorf(`%w: exec: needs a command writing MJPEG to stdout, e.g. "exec:rpicam-vid -t 0 --codec mjpeg -o -"`, ErrBadSource)
	}
	return args, nil
}

package envconfig

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// KnownKeys are the keys an [env.NAME] table takes, in the order
// `cognito-login configure` writes them.
func KnownKeys() []string { return knownEnvKeys() }

// Edit is a change to one environment of a config file, as
// `cognito-login configure` makes it.
type Edit struct {
	Env string
	// Set maps keys to values as a person types them: text for most keys,
	// a number for redirect_port, comma-separated names for scopes.
	Set map[string]string
	// Unset lists keys to remove.
	Unset []string
	// Default makes Env the default_env.
	Default bool
}

// ErrEditByHand reports a config file whose layout ApplyEdit does not
// rewrite (an env written as dotted keys or an inline table, a value over
// several lines); the message says what to edit.
var ErrEditByHand = errors.New("edit it by hand")

// EnvValues returns the keys of env as data writes them, rendered as Edit.Set
// takes them, without validating them; ok is false when data has no such
// env. Unknown keys are returned too, so they can be reported.
func EnvValues(data []byte, env string) (values map[string]string, ok bool, err error) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, false, errors.New(tomlErrorMsg(data, err))
	}
	envs, _ := doc["env"].(map[string]any)
	table, ok := envs[env].(map[string]any)
	if !ok {
		return nil, false, nil
	}
	values = map[string]string{}
	for k, v := range table {
		switch v := v.(type) {
		case string:
			values[k] = v
		case int64:
			values[k] = strconv.FormatInt(v, 10)
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			values[k] = strings.Join(parts, ", ")
		default:
			values[k] = fmt.Sprint(v)
		}
	}
	return values, true, nil
}

// Outline reads default_env and the environment names of a config file
// without validating anything, for a file that is about to be edited.
func Outline(data []byte) (defaultEnv string, envs []string, err error) {
	var doc struct {
		DefaultEnv string         `toml:"default_env"`
		Env        map[string]any `toml:"env"`
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return "", nil, errors.New(tomlErrorMsg(data, err))
	}
	for n := range doc.Env {
		envs = append(envs, n)
	}
	sort.Strings(envs)
	return doc.DefaultEnv, envs, nil
}

// IsKnownKey reports whether key is one an [env.NAME] table takes.
func IsKnownKey(key string) bool { return known(key) }

// UserPoolRegion returns the region of a well-formed user pool id
// ("eu-west-1" of "eu-west-1_AbC123xyz").
func UserPoolRegion(userPoolID string) (string, bool) { return userPoolRegion(userPoolID) }

// tomlValue renders value for key as TOML.
func tomlValue(key, value string) (string, error) {
	if !utf8.ValidString(value) {
		// Not quoted back: the value may be the client secret.
		return "", &ConfigError{Key: key, Msg: "the value is not valid UTF-8 text"}
	}
	var v any = value
	switch key {
	case "redirect_port":
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return "", &ConfigError{Key: key, Msg: fmt.Sprintf("%q is not a port number", value)}
		}
		v = n
	case "scopes":
		scopes := []string{}
		for _, s := range strings.Split(value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				scopes = append(scopes, s)
			}
		}
		v = scopes
	}
	b, err := toml.Marshal(map[string]any{"v": v})
	if err != nil {
		return "", err
	}
	_, rendered, _ := strings.Cut(strings.TrimSpace(string(b)), "=")
	return strings.TrimSpace(rendered), nil
}

// tomlKey renders a table or key name: bare when it can be, else quoted.
func tomlKey(name string) string {
	if name != "" && strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0 {
		return name
	}
	return strconv.Quote(name) // env names are ASCII: Go's and TOML's escapes agree
}

// keyLine formats one key line the way the README aligns them.
func keyLine(key, value string) string { return fmt.Sprintf("%-16s = %s", key, value) }

// ApplyEdit returns data with e made: the env's table gains, changes or
// loses the keys named, default_env is set if asked, and every other line
// (comments, other envs, the order of keys) is kept. A missing env table is
// appended. It does not validate values; parse the result to do that.
func ApplyEdit(data []byte, e Edit) ([]byte, error) {
	if msg := envNameProblem(e.Env); msg != "" {
		return nil, &ConfigError{Msg: msg}
	}
	for k := range e.Set {
		if !known(k) {
			return nil, &ConfigError{Env: e.Env, Key: k, Msg: "unknown key (known: " + strings.Join(knownEnvKeys(), ", ") + ")"}
		}
	}
	current, exists, err := EnvValues(data, e.Env)
	if err != nil {
		return nil, err
	}
	for _, k := range e.Unset {
		// An unknown key already in the table (a misspelling) may go.
		if _, there := current[k]; !known(k) && !there {
			return nil, &ConfigError{Env: e.Env, Key: k, Msg: "unknown key (known: " + strings.Join(knownEnvKeys(), ", ") + ")"}
		}
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}

	header := -1
	for i, l := range lines {
		if path, ok := tableHeader(l); ok && len(path) == 2 && path[0] == "env" && path[1] == e.Env {
			header = i
			break
		}
	}
	if exists && header < 0 {
		return nil, fmt.Errorf("env %q is not written as an [env.%s] table (dotted keys or an inline table): %w", e.Env, tomlKey(e.Env), ErrEditByHand)
	}

	keys := make([]string, 0, len(e.Set))
	for k := range e.Set {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyOrder(keys[i]) < keyOrder(keys[j]) })

	if header < 0 {
		if len(keys) == 0 {
			return nil, &ConfigError{Env: e.Env, Msg: "nothing to write for a new environment"}
		}
		if len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) != "" {
			lines = append(lines, "")
		}
		lines = append(lines, "[env."+tomlKey(e.Env)+"]")
		for _, k := range keys {
			v, err := tomlValue(k, e.Set[k])
			if err != nil {
				return nil, err
			}
			lines = append(lines, keyLine(k, v))
		}
	} else {
		end := len(lines)
		for i := header + 1; i < len(lines); i++ {
			if _, ok := tableHeader(lines[i]); ok || strings.HasPrefix(strings.TrimSpace(lines[i]), "[[") {
				end = i
				break
			}
		}
		lastKey := header
		at := map[string]int{}
		for i := header + 1; i < end; i++ {
			if k, ok := keyOf(lines[i]); ok {
				at[k] = i
				lastKey = i
			}
		}
		drop := map[int]bool{}
		for _, k := range e.Unset {
			if i, ok := at[k]; ok {
				if _, _, err := splitValue(lines[i]); err != nil {
					return nil, err
				}
				drop[i] = true
			}
		}
		var add []string
		for _, k := range keys {
			v, err := tomlValue(k, e.Set[k])
			if err != nil {
				return nil, err
			}
			i, ok := at[k]
			if !ok {
				add = append(add, keyLine(k, v))
				continue
			}
			indent, rest, err := splitValue(lines[i])
			if err != nil {
				return nil, err
			}
			lines[i] = indent + keyLine(k, v) + rest
		}
		out := make([]string, 0, len(lines)+len(add))
		for i, l := range lines {
			if !drop[i] {
				out = append(out, l)
			}
			if i == lastKey {
				out = append(out, add...)
			}
		}
		lines = out
	}

	if e.Default {
		lines = setDefaultEnv(lines, e.Env)
	}
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}

func known(k string) bool {
	for _, kk := range knownEnvKeys() {
		if k == kk {
			return true
		}
	}
	return false
}

func keyOrder(k string) int {
	for i, kk := range knownEnvKeys() {
		if k == kk {
			return i
		}
	}
	return len(knownEnvKeys())
}

// setDefaultEnv sets the top-level default_env line, or adds one before
// the first table.
func setDefaultEnv(lines []string, env string) []string {
	line := "default_env = " + strconv.Quote(env)
	first := len(lines)
	for i, l := range lines {
		if _, ok := tableHeader(l); ok || strings.HasPrefix(strings.TrimSpace(l), "[[") {
			first = i
			break
		}
		if k, ok := keyOf(l); ok && k == "default_env" {
			_, rest, err := splitValue(l)
			if err != nil {
				rest = ""
			}
			lines[i] = line + rest
			return lines
		}
	}
	out := append([]string{}, lines[:first]...)
	out = append(out, line)
	if first < len(lines) {
		out = append(out, "")
	}
	return append(out, lines[first:]...)
}

// tableHeader parses a "[a.b]" line (a trailing comment allowed) into its
// key path.
func tableHeader(line string) ([]string, bool) {
	s := strings.TrimSpace(line)
	if !strings.HasPrefix(s, "[") || strings.HasPrefix(s, "[[") {
		return nil, false
	}
	var path []string
	i := 1
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return nil, false
		}
		var part string
		quoted := s[i] == '"' || s[i] == '\''
		switch s[i] {
		case '"', '\'':
			end, ok := quotedEnd(s, i)
			if !ok {
				return nil, false
			}
			if s[i] == '"' {
				u, err := strconv.Unquote(s[i:end])
				if err != nil {
					return nil, false
				}
				part = u
			} else {
				part = s[i+1 : end-1]
			}
			i = end
		default:
			j := i
			for j < len(s) && s[j] != '.' && s[j] != ']' && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			part = s[i:j]
			i = j
		}
		if part == "" && !quoted {
			return nil, false
		}
		path = append(path, part)
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return nil, false
		}
		if s[i] == '.' {
			i++
			continue
		}
		if s[i] != ']' {
			return nil, false
		}
		rest := strings.TrimSpace(s[i+1:])
		if rest != "" && !strings.HasPrefix(rest, "#") {
			return nil, false
		}
		return path, true
	}
}

// quotedEnd returns the index just past the string starting at s[i] (a
// basic string with escapes, or a literal one).
func quotedEnd(s string, i int) (int, bool) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case q == '"' && s[j] == '\\':
			j++
		case s[j] == q:
			return j + 1, true
		}
	}
	return 0, false
}

// keyOf returns the bare key of a "key = value" line.
func keyOf(line string) (string, bool) {
	s := strings.TrimSpace(line)
	k, _, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.ContainsAny(k, " \t.\"'[#") {
		return "", false
	}
	return k, true
}

// splitValue splits a one-line "key = value # comment" into its indent and
// what follows the value (spaces and comment), so the value can be
// replaced. A value that continues on the next lines is refused.
func splitValue(line string) (indent, rest string, err error) {
	indent = line[:len(line)-len(strings.TrimLeft(line, " \t"))]
	_, v, _ := strings.Cut(line, "=")
	start := len(line) - len(v)
	v = strings.TrimLeft(v, " \t")
	start += len(line[start:]) - len(strings.TrimLeft(line[start:], " \t"))
	multi := fmt.Errorf("the value on %q continues on the next lines: %w", strings.TrimSpace(line), ErrEditByHand)
	if strings.HasPrefix(v, `"""`) || strings.HasPrefix(v, "'''") {
		return "", "", multi
	}
	end := start
	switch {
	case strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "'"):
		e, ok := quotedEnd(line, start)
		if !ok {
			return "", "", multi
		}
		end = e
	case strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{"):
		depth := 0
		for j := start; j < len(line); j++ {
			switch c := line[j]; c {
			case '"', '\'':
				e, ok := quotedEnd(line, j)
				if !ok {
					return "", "", multi
				}
				j = e - 1
			case '[', '{':
				depth++
			case ']', '}':
				depth--
				if depth == 0 {
					end = j + 1
				}
			}
			if end > start {
				break
			}
		}
		if end == start {
			return "", "", multi
		}
	default:
		end = start + strings.IndexAny(v+" ", " \t#")
	}
	return indent, line[end:], nil
}

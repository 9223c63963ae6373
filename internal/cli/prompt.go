package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Prompter asks a person for input. Secret prompts do not echo.
type Prompter interface {
	// Input asks for a visible value.
	Input(prompt string) (string, error)
	// Secret asks for a value without echoing it.
	Secret(prompt string) (string, error)
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// termPrompter prompts on a terminal: the prompt goes to out (stderr), the
// answer is read from in, with echo off for secrets.
type termPrompter struct {
	in  *os.File
	out io.Writer
	r   *bufio.Reader
}

func newTermPrompter(in *os.File, out io.Writer) *termPrompter {
	return &termPrompter{in: in, out: out, r: bufio.NewReader(in)}
}

func (p *termPrompter) Input(prompt string) (string, error) {
	fmt.Fprint(p.out, prompt)
	line, err := p.r.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		return "", fmt.Errorf("reading an answer: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (p *termPrompter) Secret(prompt string) (string, error) {
	fmt.Fprint(p.out, prompt)
	b, err := term.ReadPassword(int(p.in.Fd()))
	fmt.Fprintln(p.out)
	if err != nil {
		return "", fmt.Errorf("reading a hidden answer: %w", err)
	}
	return string(b), nil
}

// readLine reads one line from r (for --password-stdin), without the line
// ending.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", io.ErrUnexpectedEOF
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

package nbcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"
)

// FigureTag marks a code cell that must draw (see the package doc).
const FigureTag = "figure"

// Notebook is the part of an nbformat-4 notebook the checks read.
type Notebook struct {
	NBFormat int      `json:"nbformat"`
	Metadata Metadata `json:"metadata"`
	Cells    []Cell   `json:"cells"`
}

// Metadata is the notebook's metadata.
type Metadata struct {
	KernelSpec struct {
		Name        string `json:"name"`
		DisplayName string `json:"display_name"`
		Language    string `json:"language"`
	} `json:"kernelspec"`
}

// Cell is one notebook cell.
type Cell struct {
	CellType       string       `json:"cell_type"`
	Source         MultiString  `json:"source"`
	Metadata       CellMetadata `json:"metadata"`
	Outputs        []Output     `json:"outputs"`
	ExecutionCount *int         `json:"execution_count"`
}

// CellMetadata is a cell's metadata: its tags, and the execution times that
// nbclient records.
type CellMetadata struct {
	Tags      []string          `json:"tags"`
	Execution map[string]string `json:"execution"`
}

// Output is one output of a code cell.
type Output struct {
	OutputType string                     `json:"output_type"` // stream, display_data, execute_result, error
	Name       string                     `json:"name"`        // stream: stdout or stderr
	Text       MultiString                `json:"text"`        // stream
	Data       map[string]json.RawMessage `json:"data"`        // display_data, execute_result: by MIME type
	EName      string                     `json:"ename"`       // error
	EValue     string                     `json:"evalue"`      // error
	Traceback  []string                   `json:"traceback"`   // error
}

// MultiString is nbformat's text: a string or a list of strings to concatenate.
type MultiString string

// UnmarshalJSON implements json.Unmarshaler.
func (m *MultiString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = MultiString(s)
		return nil
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("want a string or a list of strings: %w", err)
	}
	*m = MultiString(strings.Join(parts, ""))
	return nil
}

// Parse reads a notebook.
func Parse(b []byte) (*Notebook, error) {
	var nb Notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("not a notebook: %w", err)
	}
	if nb.NBFormat != 4 {
		return nil, fmt.Errorf("nbformat %d: want 4", nb.NBFormat)
	}
	return &nb, nil
}

// HasTag reports whether the cell carries tag.
func (c *Cell) HasTag(tag string) bool {
	for _, t := range c.Metadata.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// Summary is the cell's first source line that is neither blank nor GoNB's
// "%%" (start of main), shortened to 60 runes.
func (c *Cell) Summary() string {
	for _, line := range strings.Split(string(c.Source), "\n") {
		if line = strings.TrimSpace(line); line != "" && line != "%%" {
			if r := []rune(line); len(r) > 60 {
				line = string(r[:57]) + "..."
			}
			return line
		}
	}
	return "(empty)"
}

// Duration is the cell's execution time as nbclient recorded it (from
// iopub.execute_input to shell.execute_reply), and whether it was recorded.
func (c *Cell) Duration() (time.Duration, bool) {
	start, ok1 := c.Metadata.Execution["iopub.execute_input"]
	end, ok2 := c.Metadata.Execution["shell.execute_reply"]
	if !ok1 || !ok2 {
		return 0, false
	}
	t0, err1 := time.Parse(time.RFC3339Nano, start)
	t1, err2 := time.Parse(time.RFC3339Nano, end)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return t1.Sub(t0), true
}

// CellError is a check's failure at one cell.
type CellError struct {
	Cell    int    // 1-based over all cells
	Summary string // the cell's first source line
	Reason  string
}

func (e *CellError) Error() string {
	return fmt.Sprintf("cell %d (%s): %s", e.Cell, e.Summary, e.Reason)
}

func cellError(i int, c *Cell, format string, args ...any) *CellError {
	return &CellError{Cell: i + 1, Summary: c.Summary(), Reason: fmt.Sprintf(format, args...)}
}

// CheckStripped returns an error for the first code cell that carries outputs,
// an execution count or recorded execution times: committed notebooks keep no
// stale outputs.
func CheckStripped(nb *Notebook) error {
	for i := range nb.Cells {
		c := &nb.Cells[i]
		if c.CellType != "code" {
			continue
		}
		if len(c.Outputs) > 0 || c.ExecutionCount != nil || len(c.Metadata.Execution) > 0 {
			return cellError(i, c, "has outputs, an execution count or execution times; commit notebooks stripped (go run ./kernel/cmd/runnotebooks -strip notebooks)")
		}
	}
	return nil
}

// StderrFailures are the patterns that make a stderr stream a failure: a Go
// panic or fatal runtime error (the program's own report), and GoNB's report of
// a failed cell.
var StderrFailures = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^panic: `),
	regexp.MustCompile(`(?m)^fatal error: `),
	regexp.MustCompile(`(?m)^goroutine \d+ \[[a-z ]+\]:$`),
	regexp.MustCompile(`GoNB Error:`),
	regexp.MustCompile(`(?m)^exit status [1-9][0-9]*$`),
}

// gonbCompileError matches one compiler message in GoNB's HTML error report:
// the cell line, then the message after the main.go location.
var gonbCompileError = regexp.MustCompile(`class="gonb-cell-line-info">([^<]*)</span>\s*<span class="gonb-err-location">[^<]*</span>\s*([^\n<]*)`)

// compilerMessages returns up to three compiler messages ("Cell[2]: Line 2:
// undefined: x") from GoNB's HTML error reports among outputs.
func compilerMessages(outputs []Output) []string {
	var msgs []string
	for _, o := range outputs {
		raw, ok := o.Data["text/html"]
		if !ok {
			continue
		}
		var h MultiString
		if json.Unmarshal(raw, &h) != nil {
			continue
		}
		for _, m := range gonbCompileError.FindAllStringSubmatch(string(h), 3-len(msgs)) {
			msgs = append(msgs, html.UnescapeString(strings.TrimSpace(m[1])+": "+strings.TrimSpace(m[2])))
		}
		if len(msgs) >= 3 {
			break
		}
	}
	return msgs
}

// CheckExecuted returns an error for the first executed cell that failed, did
// not run, or (tagged "figure") drew no image.
func CheckExecuted(nb *Notebook) error {
	for i := range nb.Cells {
		c := &nb.Cells[i]
		if c.CellType != "code" || strings.TrimSpace(string(c.Source)) == "" {
			continue
		}
		if c.ExecutionCount == nil {
			return cellError(i, c, "was not executed")
		}
		for _, o := range c.Outputs {
			switch {
			case o.OutputType == "error":
				reason := "error: " + firstLine(o.EName+": "+o.EValue)
				if msgs := compilerMessages(c.Outputs); len(msgs) > 0 {
					reason += ": " + strings.Join(msgs, "; ")
				}
				return cellError(i, c, "%s", reason)
			case o.OutputType == "stream" && o.Name == "stderr":
				for _, re := range StderrFailures {
					if loc := re.FindStringIndex(string(o.Text)); loc != nil {
						return cellError(i, c, "stderr: %s", firstLine(string(o.Text)[loc[0]:]))
					}
				}
			}
		}
		if c.HasTag(FigureTag) && !hasImage(c.Outputs) {
			return cellError(i, c, "tagged %q but produced no image (image/png, SVG, or <svg>/<img> in text/html)", FigureTag)
		}
	}
	return nil
}

func hasImage(outputs []Output) bool {
	for _, o := range outputs {
		if o.OutputType != "display_data" && o.OutputType != "execute_result" {
			continue
		}
		if len(o.Data["image/png"]) > 0 || len(o.Data["image/svg+xml"]) > 0 {
			return true
		}
		if raw, ok := o.Data["text/html"]; ok {
			var page MultiString
			if json.Unmarshal(raw, &page) == nil {
				h := strings.ToLower(string(page))
				if strings.Contains(h, "<svg") || strings.Contains(h, "<img") {
					return true
				}
			}
		}
	}
	return false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:197]) + "..."
	}
	return s
}

// Strip removes every code cell's outputs and execution count and returns the
// notebook re-encoded the way Jupyter writes it (keys sorted, one-space
// indent, non-ASCII kept, trailing newline), and whether that differs from b.
// Other fields are kept as they are.
func Strip(b []byte) (out []byte, changed bool, err error) {
	var nb map[string]any
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, false, fmt.Errorf("not a notebook: %w", err)
	}
	cells, _ := nb["cells"].([]any)
	for _, c := range cells {
		cell, ok := c.(map[string]any)
		if !ok || cell["cell_type"] != "code" {
			continue
		}
		cell["outputs"] = []any{}
		cell["execution_count"] = nil
		if md, ok := cell["metadata"].(map[string]any); ok {
			delete(md, "execution")
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb); err != nil {
		return nil, false, err
	}
	return buf.Bytes(), !bytes.Equal(buf.Bytes(), b), nil
}

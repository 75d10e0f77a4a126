package nbcheck

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// notebook builds an nbformat-4 notebook from cells given as JSON objects.
func notebook(cells ...string) []byte {
	return []byte(`{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "ptychokit"}}, "cells": [` +
		strings.Join(cells, ",") + `]}`)
}

const (
	markdown   = `{"cell_type": "markdown", "metadata": {}, "source": ["# Title\n"]}`
	strippedGo = `{"cell_type": "code", "metadata": {}, "source": "%%\nfmt.Println(1)", "outputs": [], "execution_count": null}`
)

// ran is an executed code cell with the given tags and outputs.
func ran(source string, tags []string, outputs ...string) string {
	t, _ := json.Marshal(tags)
	s, _ := json.Marshal(source)
	return `{"cell_type": "code", "execution_count": 1, "metadata": {"tags": ` + string(t) + `}, "source": ` + string(s) +
		`, "outputs": [` + strings.Join(outputs, ",") + `]}`
}

const (
	pngOut      = `{"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo="}}`
	svgHTML     = `{"output_type": "display_data", "metadata": {}, "data": {"text/html": ["<div><SVG width=\"1\">", "</svg></div>"]}}`
	imgHTML     = `{"output_type": "display_data", "metadata": {}, "data": {"text/html": "<img src=\"data:image/png;base64,xx\">"}}`
	tableHTML   = `{"output_type": "display_data", "metadata": {}, "data": {"text/html": "<table></table>", "text/plain": "k"}}`
	stdout      = `{"output_type": "stream", "name": "stdout", "text": ["panic: printed on stdout is fine\n"]}`
	logStderr   = `{"output_type": "stream", "name": "stderr", "text": "I1128 17:50:36 loading dataset\nW1128 slow\n"}`
	panicOut    = `{"output_type": "stream", "name": "stderr", "text": ["some log\n", "panic: ptychokit: shape mismatch\n", "\n", "goroutine 1 [running]:\n"]}`
	fatalOut    = `{"output_type": "stream", "name": "stderr", "text": "fatal error: all goroutines are asleep - deadlock!\n"}`
	gonbErr     = `{"output_type": "stream", "name": "stderr", "text": "GoNB Error:\nfailed to run\n"}`
	exitOut     = `{"output_type": "stream", "name": "stderr", "text": ["2026/11/28 cannot open x.npz\n", "exit status 1\n"]}`
	compileHTML = `{"output_type": "display_data", "metadata": {}, "data": {"text/html": ["<style>.x{}</style>\n", "<span class=\"gonb-cell-line-info\">Cell[2]: Line 2</span>\n", "<span class=\"gonb-err-location\">./main.go:10:6: </span> undefined: undefinedThing\n", "<div class=\"gonb-err-context\">x := undefinedThing + 1</div>"]}}`
	errorOut    = `{"output_type": "error", "ename": "ERROR", "evalue": "failed to run \"go build\"\nmore", "traceback": []}`
)

func TestCheckExecuted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		nb      []byte
		wantErr string // "" for a pass
	}{
		{"figure as PNG", notebook(markdown, ran("%%\ndraw()", []string{"figure"}, pngOut)), ""},
		{"figure as SVG in HTML", notebook(ran("draw()", []string{"figure"}, stdout, svgHTML)), ""},
		{"figure as img in HTML", notebook(ran("curve()", []string{"x", "figure"}, imgHTML)), ""},
		{"untagged cell needs no image", notebook(ran("fmt.Println()", nil, stdout)), ""},
		{"log lines on stderr pass", notebook(ran("load()", nil, logStderr)), ""},
		{"empty code cell may stay unrun", notebook(`{"cell_type": "code", "metadata": {}, "source": "\n", "outputs": [], "execution_count": null}`), ""},
		{"figure tag, table only", notebook(markdown, ran("%%\n\ntable()", []string{"figure"}, tableHTML)),
			`cell 2 (table()): tagged "figure" but produced no image`},
		{"error output", notebook(ran("x := 1", nil), ran("build()", nil, errorOut)),
			`cell 2 (build()): error: ERROR: failed to run "go build"`},
		{"compile error names the line", notebook(ran("x := undefinedThing", nil, compileHTML, errorOut)),
			`error: ERROR: failed to run "go build": Cell[2]: Line 2: undefined: undefinedThing`},
		{"exit status on stderr", notebook(ran("log.Fatal()", nil, exitOut)), "stderr: exit status 1"},
		{"panic on stderr", notebook(ran("run()", nil, panicOut)), "cell 1 (run()): stderr: panic: ptychokit: shape mismatch"},
		{"fatal error on stderr", notebook(ran("run()", nil, fatalOut)), "stderr: fatal error: all goroutines are asleep"},
		{"GoNB error on stderr", notebook(ran("run()", nil, gonbErr)), "stderr: GoNB Error:"},
		{"not executed", notebook(markdown, strippedGo), "cell 2 (fmt.Println(1)): was not executed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nb, err := Parse(tc.nb)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckExecuted(nb)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("CheckExecuted: %v, want a pass", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("CheckExecuted: %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, b := range []string{`not json`, `{"nbformat": 3, "cells": []}`, `{"nbformat": 4, "cells": [{"source": 7}]}`} {
		if _, err := Parse([]byte(b)); err == nil {
			t.Errorf("Parse(%s): no error", b)
		}
	}
}

func TestStrip(t *testing.T) {
	executed := notebook(markdown, ran("draw()", []string{"figure"}, pngOut, stdout))
	nb, err := Parse(executed)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckStripped(nb); err == nil || !strings.Contains(err.Error(), "cell 2 (draw()): has outputs") {
		t.Fatalf("CheckStripped of an executed notebook: %v", err)
	}

	stripped, changed, err := Strip(executed)
	if err != nil || !changed {
		t.Fatalf("Strip: changed=%v, err=%v", changed, err)
	}
	nb, err = Parse(stripped)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckStripped(nb); err != nil {
		t.Errorf("after Strip: %v", err)
	}
	if !nb.Cells[1].HasTag("figure") || nb.Cells[0].Source != "# Title\n" || nb.Metadata.KernelSpec.Name != "ptychokit" {
		t.Errorf("Strip lost tags, sources or metadata: %s", stripped)
	}
	again, changed, err := Strip(stripped)
	if err != nil || changed || string(again) != string(stripped) {
		t.Errorf("Strip of a stripped notebook changed it (changed=%v, err=%v)", changed, err)
	}
}

// TestStripFormat checks Strip writes what Jupyter writes (json.dumps with
// sort_keys=True, indent=1, ensure_ascii=False, plus a newline), so that
// stripping a notebook saved by Jupyter changes only its outputs.
func TestStripFormat(t *testing.T) {
	in := `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"source": ["a < b & «c»\n", "x"], "cell_type": "code", "id": "c1", "metadata": {"execution": {"iopub.execute_input": "2026-01-01T00:00:00Z"}}, "outputs": [{"output_type": "stream", "name": "stdout", "text": "1"}], "execution_count": 3}]}`
	want := `{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": null,
   "id": "c1",
   "metadata": {},
   "outputs": [],
   "source": [
    "a < b & «c»\n",
    "x"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
`
	got, _, err := Strip([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("Strip wrote\n%s\nwant\n%s", got, want)
	}
}

func TestDuration(t *testing.T) {
	c := Cell{Metadata: CellMetadata{Execution: map[string]string{
		"iopub.execute_input": "2026-11-28T17:50:37.250000Z",
		"shell.execute_reply": "2026-11-28T17:50:51.000000Z",
	}}}
	if d, ok := c.Duration(); !ok || d != 13750*time.Millisecond {
		t.Errorf("Duration = %v, %v; want 13.75s", d, ok)
	}
	if _, ok := (&Cell{}).Duration(); ok {
		t.Error("Duration of a cell without times: ok")
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"%%\n\n  x := 1\n", "x := 1"},
		{"", "(empty)"},
		{strings.Repeat("é", 70), strings.Repeat("é", 57) + "..."},
	} {
		c := Cell{Source: MultiString(tc.src)}
		if got := c.Summary(); got != tc.want {
			t.Errorf("Summary(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

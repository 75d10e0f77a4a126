package display

import (
	"fmt"
	"strings"
	"testing"

	"github.com/janpfeifer/gonb/gonbui/protocol"
)

func TestFormatCell(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{"a<b", "a<b"},
		{3, "3"},
		{int64(-7), "-7"},
		{0.123456789, "0.1235"},
		{float32(2.5e-7), "2.5e-07"},
		{1e9, "1e+09"},
		{true, "true"},
		{nil, "<nil>"},
	} {
		if got := FormatCell(tc.in); got != tc.want {
			t.Errorf("FormatCell(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTableHTML(t *testing.T) {
	got := TableHTML([]string{"name", "a&b"}, [][]any{{"<x>", 1.5}, {"short"}, {"long", 2, "extra"}})
	want := "<table>\n" +
		"<thead><tr><th>name</th><th>a&amp;b</th><th></th></tr></thead>\n<tbody>\n" +
		"<tr><td>&lt;x&gt;</td><td style=\"text-align:right\">1.5</td><td></td></tr>\n" +
		"<tr><td>short</td><td></td><td></td></tr>\n" +
		"<tr><td>long</td><td style=\"text-align:right\">2</td><td>extra</td></tr>\n" +
		"</tbody>\n</table>"
	if got != want {
		t.Errorf("TableHTML:\n%s\nwant:\n%s", got, want)
	}
}

func TestTableSendsHTMLAndText(t *testing.T) {
	got := capture(t)
	Table([]string{"k"}, [][]any{{1}})
	d := (*got)[0]
	html, _ := d.Data[protocol.MIMETextHTML].(string)
	text, _ := d.Data[protocol.MIMETextPlain].(string)
	if !strings.Contains(html, "<table>") || text != "k\n-\n1\n" {
		t.Errorf("Table sent html %q, text %q", html, text)
	}
}

func ExampleTableText() {
	fmt.Print(TableText([]string{"photons", "SNR", "note"}, [][]any{
		{1e4, 100.0, "low"},
		{1e9, 31622.78, "high"},
	}))
	// Output:
	// photons        SNR  note
	// -------  ---------  ----
	//   1e+04        100  low
	//   1e+09  3.162e+04  high
}

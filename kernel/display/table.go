package display

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Table shows rows under headers as an HTML table, with a plain-text copy for
// front-ends that show no HTML. Cells are formatted by FormatCell; a row
// shorter than headers is padded with empty cells, a longer one shows its extra
// cells under empty headers.
func Table(headers []string, rows [][]any) {
	cells := formatRows(rows)
	send(&protocol.DisplayData{Data: map[protocol.MIMEType]any{
		protocol.MIMETextHTML:  tableHTML(headers, cells),
		protocol.MIMETextPlain: tableText(headers, cells),
	}})
}

// TableHTML returns the HTML Table shows.
func TableHTML(headers []string, rows [][]any) string { return tableHTML(headers, formatRows(rows)) }

// TableText returns the plain text Table shows: columns padded to their widest
// cell, numbers (and the header of a column of numbers) right-aligned.
func TableText(headers []string, rows [][]any) string { return tableText(headers, formatRows(rows)) }

// FormatCell formats one table cell: floats with 4 significant digits (%.4g),
// strings as they are, anything else with fmt.Sprint.
func FormatCell(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', 4, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', 4, 32)
	default:
		return fmt.Sprint(v)
	}
}

type cell struct {
	text    string
	numeric bool
}

func formatRows(rows [][]any) [][]cell {
	out := make([][]cell, len(rows))
	for i, row := range rows {
		out[i] = make([]cell, len(row))
		for j, v := range row {
			out[i][j] = cell{text: FormatCell(v), numeric: isNumber(v)}
		}
	}
	return out
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

func columns(headers []string, rows [][]cell) int {
	n := len(headers)
	for _, r := range rows {
		n = max(n, len(r))
	}
	return n
}

func tableHTML(headers []string, rows [][]cell) string {
	n := columns(headers, rows)
	var b strings.Builder
	b.WriteString("<table>\n<thead><tr>")
	for j := range n {
		h := ""
		if j < len(headers) {
			h = headers[j]
		}
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(h))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range rows {
		b.WriteString("<tr>")
		for j := range n {
			switch {
			case j >= len(r):
				b.WriteString("<td></td>")
			case r[j].numeric:
				fmt.Fprintf(&b, "<td style=\"text-align:right\">%s</td>", html.EscapeString(r[j].text))
			default:
				fmt.Fprintf(&b, "<td>%s</td>", html.EscapeString(r[j].text))
			}
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>")
	return b.String()
}

// numericColumn reports whether column j has a number and nothing else.
func numericColumn(rows [][]cell, j int) bool {
	numbers := 0
	for _, r := range rows {
		if j < len(r) {
			if !r[j].numeric {
				return false
			}
			numbers++
		}
	}
	return numbers > 0
}

func tableText(headers []string, rows [][]cell) string {
	n := columns(headers, rows)
	width := make([]int, n)
	for j, h := range headers {
		width[j] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for j, c := range r {
			width[j] = max(width[j], utf8.RuneCountInString(c.text))
		}
	}
	var b strings.Builder
	line := func(cells []cell) {
		parts := make([]string, n)
		for j := range n {
			var c cell
			if j < len(cells) {
				c = cells[j]
			}
			pad := strings.Repeat(" ", width[j]-utf8.RuneCountInString(c.text))
			if c.numeric {
				parts[j] = pad + c.text
			} else {
				parts[j] = c.text + pad
			}
		}
		b.WriteString(strings.TrimRight(strings.Join(parts, "  "), " "))
		b.WriteByte('\n')
	}
	// A header sits right-aligned over a column of numbers.
	head := make([]cell, len(headers))
	for j, h := range headers {
		head[j] = cell{text: h, numeric: numericColumn(rows, j)}
	}
	line(head)
	rule := make([]cell, n)
	for j := range n {
		rule[j] = cell{text: strings.Repeat("-", width[j])}
	}
	line(rule)
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

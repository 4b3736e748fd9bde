package cli

import (
	"strings"
	"time"
)

// cliTime is how the AWS CLI prints timestamps.
func cliTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// box draws a titled table.
func box(title string, rows [][]string) string {
	widths := []int{}
	for _, r := range rows {
		for i, cell := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	inner := 0
	for _, w := range widths {
		inner += w + 3
	}
	inner = max(inner-1, len([]rune(title))+2)
	line := "+" + strings.Repeat("-", inner) + "+\n"
	var b strings.Builder
	b.WriteString(line)
	pad := inner - len([]rune(title))
	b.WriteString("|" + strings.Repeat(" ", pad/2) + title + strings.Repeat(" ", pad-pad/2) + "|\n")
	b.WriteString(line)
	for _, r := range rows {
		b.WriteString("|")
		used := 0
		for i, cell := range r {
			w := widths[i]
			if i == len(r)-1 {
				w = inner - used - 2
			}
			b.WriteString(" " + cell + strings.Repeat(" ", max(0, w-len([]rune(cell)))) + " ")
			used += widths[i] + 3
			if i < len(r)-1 {
				b.WriteString("|")
			}
		}
		b.WriteString("|\n")
	}
	if len(rows) > 0 {
		b.WriteString(line)
	}
	return b.String()
}

package coldstart

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// MiB is a mebibyte.
const MiB = 1 << 20

// Bounds are what every function's cold start is held to.
type Bounds struct {
	// Baseline is the function the others' init is compared with: the one
	// that does nothing but start.
	Baseline string
	// Ratio is the most a function's init p50 may be, as a multiple of the
	// baseline's in the same run.
	Ratio float64
	// MaxSize is the largest bootstrap allowed, in bytes.
	MaxSize int64
	// MaxInitCalls is how many AWS requests an init may make.
	MaxInitCalls int
}

// Goal is the bounds of issue 10: init p50 within 1.5× fallback's, no
// bootstrap over 15 MiB, no AWS round trip during init.
var Goal = Bounds{Baseline: "fallback", Ratio: 1.5, MaxSize: 15 * MiB, MaxInitCalls: 0}

// Row is one function's line of the report.
type Row struct {
	Name     string
	P50, P90 time.Duration
	// Ratio is P50 over the baseline's P50; 0 when there is no baseline.
	Ratio float64
	// Size is the Lambda bootstrap's size in bytes; 0 when unknown.
	Size int64
	// Calls is the AWS requests of the init that made the most;
	// MeanCalls the average per init.
	Calls     Calls
	MeanCalls float64
	// Breaks names each bound the row breaks: "p50", "size", "init calls".
	Breaks []string
}

// Rows puts the results and sizes side by side and checks them against b.
// A size of a function that has none in sizes is not checked.
func Rows(results []Result, sizes map[string]int64, b Bounds) []Row {
	var base time.Duration
	for _, r := range results {
		if r.Name == b.Baseline {
			base = r.Percentile(50)
		}
	}
	rows := make([]Row, len(results))
	for i, r := range results {
		row := Row{Name: r.Name, P50: r.Percentile(50), P90: r.Percentile(90), Size: sizes[r.Name],
			Calls: r.MostCalls(), MeanCalls: r.MeanCalls()}
		if base > 0 {
			row.Ratio = float64(row.P50) / float64(base)
			if row.Ratio > b.Ratio {
				row.Breaks = append(row.Breaks, "p50")
			}
		}
		if row.Size > b.MaxSize {
			row.Breaks = append(row.Breaks, "size")
		}
		if row.Calls.Total() > b.MaxInitCalls {
			row.Breaks = append(row.Breaks, "init calls")
		}
		rows[i] = row
	}
	return rows
}

// WriteTable prints the rows as a table, with a legend of the bounds and
// how many rows break them.
func WriteTable(w io.Writer, rows []Row, b Bounds, coldStarts int) error {
	fmt.Fprintf(w, "\nCold starts: %d per function through the local Runtime API (init = process start until the first\n"+
		"GET /invocation/next), built for this machine; size of the linux/arm64 bootstrap with the Lambda flags.\n\n", coldStarts)
	// Numbers are padded to one width, so they line up on the right in the
	// left-aligned columns.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "function\t%9s\t%9s\t%9s\t%8s\tinit AWS calls\tbreaks\n", "init p50", "init p90", "×"+b.Baseline, "size MiB")
	broken := 0
	for _, r := range rows {
		ratio, size := "-", "-"
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		if r.Size > 0 {
			size = fmt.Sprintf("%.1f", float64(r.Size)/MiB)
		}
		breaks := strings.Join(r.Breaks, ", ")
		if breaks != "" {
			broken++
			breaks = "✗ " + breaks
		}
		fmt.Fprintf(tw, "%s\t%9s\t%9s\t%9s\t%8s\t%s\t%s\n", r.Name, ms(r.P50), ms(r.P90), ratio, size, r.Calls, breaks)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d of %d functions break a bound (init p50 > %.1f× %s's, bootstrap > %d MiB, more than %d AWS calls during init).\n",
		broken, len(rows), b.Ratio, b.Baseline, b.MaxSize/MiB, b.MaxInitCalls)
	return err
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// Command hotpaths compares Keyward's hot paths between two commits in one
// run: it checks each commit out in a temporary worktree, builds the test
// binary of every package holding one of the benchmarks once per commit,
// and runs the benchmarks in alternating rounds (before, after, before,
// …), so that both commits see the same load on the machine. It prints a
// Markdown table of medians, every round's time, the ratio after/before
// and the allocations, for BENCHMARKS.md.
//
//	go run ./bench/hotpaths -before 13126bf -after HEAD -rounds 6
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// hotPaths are the benchmarks of the requests Keyward answers most: a
// signed ListAccessKeys through the handler, AssumeRole, the verifier's
// derive and evaluate, a cached policy decision.
var hotPaths = []string{"BenchmarkHandlerListAccessKeys", "BenchmarkHandlerAssumeRole", "BenchmarkProtocolDerive",
	"BenchmarkProtocolEvaluate", "BenchmarkAuthorize"}

func main() {
	before := flag.String("before", "", "the commit measured first (required)")
	after := flag.String("after", "HEAD", "the commit compared with it")
	rounds := flag.Int("rounds", 6, "alternating rounds")
	benchtime := flag.String("benchtime", "1s", "each benchmark's -test.benchtime in a round")
	flag.Parse()
	if *before == "" {
		fmt.Fprintln(os.Stderr, "hotpaths: -before is required")
		os.Exit(2)
	}
	if err := run(*before, *after, *rounds, *benchtime); err != nil {
		fmt.Fprintln(os.Stderr, "hotpaths:", err)
		os.Exit(1)
	}
}

// tree is one commit, checked out and built.
type tree struct {
	commit, dir string
	// binaries holds each benchmark's test binary and the package
	// directory it runs in (its testdata).
	binaries map[string][2]string
}

func run(before, after string, rounds int, benchtime string) error {
	tmp, err := os.MkdirTemp("", "hotpaths")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var trees []*tree
	for i, c := range []string{before, after} {
		t, err := build(c, filepath.Join(tmp, fmt.Sprint("tree", i)))
		if t != nil {
			defer exec.Command("git", "worktree", "remove", "--force", t.dir).Run()
		}
		if err != nil {
			return err
		}
		trees = append(trees, t)
	}
	// results[benchmark][tree] are the rounds' ns/op; allocs the last
	// round's allocs/op (the same in every round).
	results := map[string][2][]float64{}
	allocs := map[string][2]string{}
	for r := 0; r < rounds; r++ {
		for _, b := range hotPaths {
			for i, t := range trees {
				bin, ok := t.binaries[b]
				if !ok {
					continue
				}
				out, err := bench(bin, b, benchtime)
				if err != nil {
					return fmt.Errorf("%s at %s: %w", b, t.commit, err)
				}
				for name, m := range out {
					rs := results[name]
					rs[i] = append(rs[i], m.ns)
					results[name] = rs
					as := allocs[name]
					as[i] = m.allocs
					allocs[name] = as
				}
			}
		}
		fmt.Fprintf(os.Stderr, "round %d of %d done\n", r+1, rounds)
	}
	fmt.Printf("| benchmark | %s: median µs (rounds) | %s: median µs (rounds) | after/before | allocs/op |\n| --- | --- | --- | --- | --- |\n", trees[0].commit, trees[1].commit)
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		rs := results[n]
		ratio := "–"
		if len(rs[0]) > 0 && len(rs[1]) > 0 {
			ratio = fmt.Sprintf("%.2f", median(rs[1])/median(rs[0]))
		}
		fmt.Printf("| `%s` | %s | %s | %s | %s → %s |\n", n, cell(rs[0]), cell(rs[1]), ratio, allocs[n][0], allocs[n][1])
	}
	return nil
}

// build checks commit out into dir and builds the test binary of each
// package holding a hot-path benchmark.
func build(commit, dir string) (*tree, error) {
	short, err := exec.Command("git", "rev-parse", "--short", commit).Output()
	if err != nil {
		return nil, fmt.Errorf("git rev-parse %s: %w", commit, err)
	}
	t := &tree{commit: strings.TrimSpace(string(short)), dir: dir, binaries: map[string][2]string{}}
	if out, err := exec.Command("git", "worktree", "add", "--detach", dir, commit).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("git worktree add: %v: %s", err, out)
	}
	built := map[string]string{}
	for _, b := range hotPaths {
		pkg, ok := benchPackage(dir, b)
		if !ok {
			continue // not in this commit
		}
		if _, ok := built[pkg]; !ok {
			bin := filepath.Join(dir, ".hotpaths-"+strings.ReplaceAll(pkg, "/", "_")+".test")
			cmd := exec.Command("go", "test", "-c", "-o", bin, "./"+pkg)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				return t, fmt.Errorf("building %s at %s: %v: %s", pkg, commit, err, out)
			}
			built[pkg] = bin
		}
		t.binaries[b] = [2]string{built[pkg], filepath.Join(dir, pkg)}
	}
	return t, nil
}

// benchPackage returns the directory, relative to the checkout dir, of
// the package whose tests define the benchmark name, and false where
// git's files there define none.
func benchPackage(dir, name string) (string, bool) {
	out, err := exec.Command("git", "-C", dir, "grep", "-l", "func "+name+"(", "--", "*_test.go").Output()
	files := strings.Fields(string(out))
	if err != nil || len(files) == 0 {
		return "", false
	}
	return filepath.Dir(files[0]), true
}

// measure is one benchmark line's figures.
type measure struct {
	ns     float64
	allocs string
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:.*?\s(\d+) allocs/op)?`)

// bench runs one benchmark (and its sub-benchmarks) of a test binary.
func bench(bin [2]string, name, benchtime string) (map[string]measure, error) {
	cmd := exec.Command(bin[0], "-test.run", "^$", "-test.bench", "^"+name+"$", "-test.benchmem", "-test.benchtime", benchtime)
	cmd.Dir = bin[1]
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, out.String())
	}
	res := map[string]measure{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		res[m[1]] = measure{ns: ns, allocs: m[3]}
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no result in: %s", out.String())
	}
	return res, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// cell is a median in µs and every round's time.
func cell(v []float64) string {
	if len(v) == 0 {
		return "–"
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.2f", x/1000)
	}
	return fmt.Sprintf("%.2f (%s)", median(v)/1000, strings.Join(parts, " "))
}

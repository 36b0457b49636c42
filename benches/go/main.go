// Command gobench runs the Go originals of the concurrency benchmarks and prints one JSON line per benchmark.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"
)

// benchmark describes one measured workload.
// run executes iters iterations and returns the time to count for them.
type benchmark struct {
	group    string
	value    string
	elements int
	threads  int
	run      func(iters int) time.Duration
}

// id is the "group/function/value" string that -filter matches against.
func (b benchmark) id() string {
	return b.group + "/go/" + b.value
}

// result is the JSON record printed for each benchmark.
type result struct {
	Group     string    `json:"group"`
	Function  string    `json:"function"`
	Value     string    `json:"value"`
	Elements  int       `json:"elements"`
	Threads   int       `json:"threads"`
	SamplesNs []float64 `json:"samples_ns"`
	MedianNs  float64   `json:"median_ns"`
}

// settings controls how long and how often each benchmark is measured.
type settings struct {
	warmUp  time.Duration
	sample  time.Duration
	samples int
}

// timeLoop turns a one-iteration workload into a run function timing the whole batch.
func timeLoop(iteration func()) func(int) time.Duration {
	return func(iters int) time.Duration {
		start := time.Now()
		for i := 0; i < iters; i++ {
			iteration()
		}
		return time.Since(start)
	}
}

// allBenchmarks lists every benchmark of the suite in output order.
func allBenchmarks(quick bool) []benchmark {
	var all []benchmark
	all = append(all, channelBenchmarks()...)
	all = append(all, workerPoolBenchmarks()...)
	all = append(all, fanInBenchmarks()...)
	all = append(all, pipelineBenchmarks(quick)...)
	all = append(all, semaphoreBenchmarks()...)
	all = append(all, contextBenchmarks()...)
	all = append(all, sharedStateBenchmarks()...)
	return all
}

// warmUp runs the benchmark for about d of wall time and returns the wall time per iteration.
func warmUp(b benchmark, d time.Duration) time.Duration {
	start := time.Now()
	iters, batch := 0, 1
	for {
		b.run(batch)
		iters += batch
		elapsed := time.Since(start)
		if elapsed >= d {
			return elapsed / time.Duration(iters)
		}
		batch = nextBatch(batch, elapsed/time.Duration(iters), d-elapsed)
	}
}

// nextBatch doubles the batch without overshooting the remaining warm-up time.
func nextBatch(batch int, perIter, remaining time.Duration) int {
	next := batch * 2
	if perIter > 0 && int(remaining/perIter) < next {
		next = int(remaining / perIter)
	}
	if next < 1 {
		next = 1
	}
	return next
}

// batchSize picks how many iterations make one sample of at least the target duration.
func batchSize(perIter, target time.Duration) int {
	if perIter <= 0 {
		return 1
	}
	n := int((target + perIter - 1) / perIter)
	if n < 1 {
		n = 1
	}
	return n
}

// median returns the middle value of the samples.
func median(samples []float64) float64 {
	sorted := append([]float64(nil), samples...)
	sort.Float64s(sorted)
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid]
	}
	return (sorted[mid-1] + sorted[mid]) / 2
}

// measure warms up and samples one benchmark.
func measure(b benchmark, s settings) result {
	runtime.GOMAXPROCS(b.threads)
	runtime.GC()
	batch := batchSize(warmUp(b, s.warmUp), s.sample)
	samples := make([]float64, s.samples)
	for i := range samples {
		samples[i] = float64(b.run(batch).Nanoseconds()) / float64(batch)
	}
	return result{
		Group: b.group, Function: "go", Value: b.value,
		Elements: b.elements, Threads: b.threads,
		SamplesNs: samples, MedianNs: median(samples),
	}
}

// startNeighbours starts perCore spinning neighbour processes per core (this program run with
// -spinner), as BENCH_BUSY starts neighbour threads for the Rust benches: they compete with the
// benchmark for the cores at the operating system's level, whatever GOMAXPROCS is. The returned
// function stops them.
func startNeighbours(perCore int) func() {
	var neighbours []*exec.Cmd
	stop := func() {
		for _, cmd := range neighbours {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	for i := 0; i < perCore*runtime.NumCPU(); i++ {
		cmd := exec.Command(os.Args[0], "-spinner")
		if err := cmd.Start(); err != nil {
			fmt.Fprintf(os.Stderr, "gobench: cannot start a busy neighbour: %v\n", err)
			stop()
			os.Exit(1)
		}
		neighbours = append(neighbours, cmd)
	}
	return stop
}

// parseSettings reads the command line flags.
func parseSettings() (settings, bool, string, int) {
	quick := flag.Bool("quick", false, "fewer and shorter samples")
	filter := flag.String("filter", "", "run only benchmarks whose group/function/value id contains this substring")
	busy := flag.Int("busy", 0, "run the channel benchmarks as busy/channel/… beside this many spinning neighbour processes per core")
	spinner := flag.Bool("spinner", false, "be a busy neighbour: spin until killed")
	flag.Parse()
	if *spinner {
		for seed := uint64(1); ; seed++ {
			spin(seed, 10000)
		}
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gobench: unexpected arguments: %v\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	s := settings{warmUp: 300 * time.Millisecond, sample: 10 * time.Millisecond, samples: 20}
	if *quick {
		s = settings{warmUp: 100 * time.Millisecond, sample: 10 * time.Millisecond, samples: 8}
	}
	return s, *quick, *filter, *busy
}

func main() {
	os.Exit(run())
}

// run measures the benchmarks the flags select and returns the exit code, after stopping any
// busy neighbours.
func run() int {
	s, quick, filter, busy := parseSettings()
	benchmarks := allBenchmarks(quick)
	if busy > 0 {
		// Only the channel workloads have busy counterparts on the Rust side.
		var channels []benchmark
		for _, b := range benchmarks {
			if strings.HasPrefix(b.group, "channel/") {
				b.group = "busy/" + b.group
				channels = append(channels, b)
			}
		}
		benchmarks = channels
		defer startNeighbours(busy)()
	}
	out := json.NewEncoder(os.Stdout)
	ran := 0
	for _, b := range benchmarks {
		if !strings.Contains(b.id(), filter) {
			continue
		}
		fmt.Fprintf(os.Stderr, "running %s (GOMAXPROCS=%d)\n", b.id(), b.threads)
		r := measure(b, s)
		fmt.Fprintf(os.Stderr, "  median %.1f ns/iter\n", r.MedianNs)
		if err := out.Encode(r); err != nil {
			fmt.Fprintf(os.Stderr, "gobench: %v\n", err)
			return 1
		}
		ran++
	}
	if ran == 0 {
		fmt.Fprintf(os.Stderr, "gobench: no benchmark matches filter %q\n", filter)
		return 1
	}
	return 0
}

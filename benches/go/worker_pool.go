// Worker pool workloads: a classic jobs/results pool with trivial and CPU-bound jobs.
package main

import (
	"fmt"
	"sync"
)

// SPIN_ROUNDS is the number of xorshift64 rounds per CPU-bound job (same as the Rust side).
const SPIN_ROUNDS = 4000

const trivialJobs = 10000
const cpuJobs = 2000

// queueDepth is the jobs channel's capacity, the same as the Rust pools' QUEUE: deep enough that
// a worker finds the next job queued instead of waiting for the feeder to be woken.
const queueDepth = 64

// spin burns CPU with `rounds` xorshift64 rounds seeded by seed (the Rust benches' benches::spin).
func spin(seed uint64, rounds int) uint64 {
	x := seed | 1
	for i := 0; i < rounds; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// workerPoolBenchmarks registers worker_pool/trivial, worker_pool/cpu_10us and the single-goroutine reference.
func workerPoolBenchmarks() []benchmark {
	want := spinSingle(cpuJobs)
	var bs []benchmark
	for _, workers := range []int{1, 2, 4} {
		w := workers
		bs = append(bs, benchmark{
			group: "worker_pool/trivial", value: fmt.Sprint(w), elements: trivialJobs, threads: w + 1,
			run: timeLoop(func() { trivialPool(w, trivialJobs) }),
		})
	}
	for _, workers := range []int{1, 2, 4} {
		w := workers
		bs = append(bs, benchmark{
			group: "worker_pool/cpu_10us", value: fmt.Sprint(w), elements: cpuJobs, threads: w + 1,
			run: timeLoop(func() { checkSpin(cpuPool(w, cpuJobs), want) }),
		})
	}
	bs = append(bs, benchmark{
		group: "worker_pool/cpu_10us_single", value: "1", elements: cpuJobs, threads: 1,
		run: timeLoop(func() { checkSpin(spinSingle(cpuJobs), want) }),
	})
	return bs
}

// feedJobs sends job numbers 0..n-1 and closes jobs.
func feedJobs(jobs chan<- int, n int) {
	defer close(jobs)
	for j := 0; j < n; j++ {
		jobs <- j
	}
}

// closeAfter closes results once every worker has finished.
func closeAfter(wg *sync.WaitGroup, results chan<- uint64) {
	wg.Wait()
	close(results)
}

// doubler is a worker that returns twice each job.
func doubler(jobs <-chan int, results chan<- uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range jobs {
		results <- uint64(j * 2)
	}
}

// spinner is a worker that returns spin(job) for each job.
func spinner(jobs <-chan int, results chan<- uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range jobs {
		results <- spin(uint64(j), SPIN_ROUNDS)
	}
}

// startPool starts the workers and the feeder and returns the results channel.
func startPool(workers, n int, worker func(<-chan int, chan<- uint64, *sync.WaitGroup)) <-chan uint64 {
	jobs := make(chan int, queueDepth)
	results := make(chan uint64, workers)
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go worker(jobs, results, &wg)
	}
	go closeAfter(&wg, results)
	go feedJobs(jobs, n)
	return results
}

// trivialPool runs n doubling jobs and checks the sum of the results.
func trivialPool(workers, n int) {
	var sum uint64
	for r := range startPool(workers, n, doubler) {
		sum += r
	}
	if want := uint64(n) * uint64(n-1); sum != want {
		panic(fmt.Sprintf("worker_pool/trivial: sum %d, want %d", sum, want))
	}
}

// cpuPool runs n spin jobs and XOR-folds the results.
func cpuPool(workers, n int) uint64 {
	var acc uint64
	for r := range startPool(workers, n, spinner) {
		acc ^= r
	}
	return acc
}

// spinSingle runs n spin jobs in a plain loop on the calling goroutine.
func spinSingle(n int) uint64 {
	var acc uint64
	for j := 0; j < n; j++ {
		acc ^= spin(uint64(j), SPIN_ROUNDS)
	}
	return acc
}

// checkSpin panics if a folded spin result differs from the reference.
func checkSpin(got, want uint64) {
	if got != want {
		panic(fmt.Sprintf("worker_pool/cpu_10us: fold %#x, want %#x", got, want))
	}
}

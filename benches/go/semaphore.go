// Semaphore workload: many goroutines limited to k concurrent holders by a buffered channel.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// SEM_ROUNDS is the number of xorshift64 rounds done while holding a permit.
const SEM_ROUNDS = 100

const semTasks = 1000

// semSink keeps the spin results observable so the work cannot be dropped.
var semSink uint64

// semaphoreBenchmarks registers semaphore/limit for each k.
func semaphoreBenchmarks() []benchmark {
	var bs []benchmark
	for _, k := range []int{2, 4} {
		limit := k
		bs = append(bs, benchmark{
			group: "semaphore/limit", value: fmt.Sprint(limit), elements: semTasks, threads: 4,
			run: timeLoop(func() { semSink ^= semaphoreLimit(limit, semTasks) }),
		})
	}
	return bs
}

// semaphoreLimit runs tasks goroutines, at most k at a time inside the critical section.
func semaphoreLimit(k, tasks int) uint64 {
	sem := make(chan struct{}, k)
	results := make([]uint64, tasks)
	var held int64
	var wg sync.WaitGroup
	wg.Add(tasks)
	for i := 0; i < tasks; i++ {
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = withPermit(&held, k, uint64(i))
		}(i)
	}
	wg.Wait()
	return fold(results)
}

// withPermit does the task's work and panics if more than k permits are held.
func withPermit(held *int64, k int, seed uint64) uint64 {
	if n := atomic.AddInt64(held, 1); n > int64(k) {
		panic(fmt.Sprintf("semaphore: %d permits held, limit %d", n, k))
	}
	r := spin(seed, SEM_ROUNDS)
	atomic.AddInt64(held, -1)
	return r
}

// fold XORs all results together.
func fold(results []uint64) uint64 {
	var acc uint64
	for _, r := range results {
		acc ^= r
	}
	return acc
}

// Shared-state workloads: sync.RWMutex against sync.Mutex at several read shares, and a counter
// three ways (mutex, atomic, a manager goroutine fed by a channel).
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

const (
	tableOps      = 1000
	tableEntries  = 64
	tableWork     = 20
	counterEvents = 10000
)

// tableSink keeps the spin results observable so the work cannot be dropped.
var tableSink uint64

// sharedStateBenchmarks registers shared_state/rw_lock and shared_state/counter.
func sharedStateBenchmarks() []benchmark {
	var bs []benchmark
	for _, threads := range []int{1, 2, 4} {
		for _, reads := range []int{50, 90, 99} {
			t, r := threads, reads
			value := fmt.Sprintf("%dt-%d%%", t, r)
			bs = append(bs, benchmark{
				group: "shared_state/rw_lock", value: value, elements: t * tableOps, threads: t,
				run: timeLoop(func() { runTableRW(t, r) }),
			})
		}
	}
	for _, threads := range []int{1, 2, 4} {
		t := threads
		bs = append(bs, benchmark{
			group: "shared_state/counter", value: fmt.Sprint(t), elements: t * counterEvents, threads: t,
			run: timeLoop(func() { countAtomic(t) }),
		})
	}
	return bs
}

// runTableRW runs threads goroutines of tableOps operations on a table behind a sync.RWMutex;
// operation i reads when (i*37+t)%100 < reads, as the Rust bench does.
func runTableRW(threads, reads int) {
	var mu sync.RWMutex
	table := make([]uint64, tableEntries)
	for i := range table {
		table[i] = 1
	}
	var wg sync.WaitGroup
	wg.Add(threads)
	for t := 0; t < threads; t++ {
		go func(t int) {
			defer wg.Done()
			var acc uint64
			for i := 0; i < tableOps; i++ {
				slot := (i*7 + t) % tableEntries
				if (i*37+t)%100 < reads {
					mu.RLock()
					acc ^= spin(table[slot], tableWork)
					mu.RUnlock()
				} else {
					mu.Lock()
					table[slot] = spin(table[slot], tableWork)
					mu.Unlock()
				}
			}
			atomic.AddUint64(&tableSink, acc)
		}(t)
	}
	wg.Wait()
}

// countAtomic counts threads*counterEvents events in an atomic, the Go idiom for a counter.
func countAtomic(threads int) {
	var n int64
	var wg sync.WaitGroup
	wg.Add(threads)
	for t := 0; t < threads; t++ {
		go func() {
			defer wg.Done()
			for i := 0; i < counterEvents; i++ {
				atomic.AddInt64(&n, 1)
			}
		}()
	}
	wg.Wait()
	if n != int64(threads*counterEvents) {
		panic(fmt.Sprintf("counter: %d of %d", n, threads*counterEvents))
	}
}

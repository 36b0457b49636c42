// Context workloads: latency of waking parked waiters on cancel, and the cost of WithCancel.
package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// longLivedParent is the cancellable parent of every with_cancel child; it lives for the whole run.
var longLivedParent, _ = context.WithCancel(context.Background())

// contextBenchmarks registers context/cancel_latency for each waiter count and context/with_cancel.
func contextBenchmarks() []benchmark {
	var bs []benchmark
	for _, n := range []int{1, 4, 16} {
		waiters := n
		bs = append(bs, benchmark{
			group: "context/cancel_latency", value: fmt.Sprint(waiters), elements: waiters, threads: 2,
			run: func(iters int) time.Duration { return timeCancelLatency(waiters, iters) },
		})
	}
	bs = append(bs, benchmark{
		group: "context/with_cancel", value: "1", elements: 1, threads: 1,
		run: timeLoop(func() { withCancel(longLivedParent) }),
	})
	return bs
}

// timeCancelLatency sums the timed part of iters cancel-latency iterations.
func timeCancelLatency(waiters, iters int) time.Duration {
	var total time.Duration
	for i := 0; i < iters; i++ {
		total += cancelLatency(waiters)
	}
	return total
}

// cancelLatency parks waiters goroutines on ctx.Done() and times cancel until all woke up.
func cancelLatency(waiters int) time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	var started, done sync.WaitGroup
	started.Add(waiters)
	done.Add(waiters)
	for i := 0; i < waiters; i++ {
		go func() {
			started.Done()
			<-ctx.Done()
			done.Done()
		}()
	}
	started.Wait()
	time.Sleep(time.Millisecond)
	start := time.Now()
	cancel()
	done.Wait()
	return time.Since(start)
}

// withCancel derives a child context, cancels it and observes the cancellation.
func withCancel(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	cancel()
	<-ctx.Done()
}

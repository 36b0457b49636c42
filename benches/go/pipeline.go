// Pipeline workload: generator -> +1 -> *2 -> -1 -> sum, every stage cancellable by ctx.
package main

import (
	"context"
	"fmt"
)

const pipelineBuffer = 64

// pipelineBenchmarks registers pipeline/3_stages (quick mode only the smaller size).
func pipelineBenchmarks(quick bool) []benchmark {
	sizes := []int{100000, 1000000}
	if quick {
		sizes = sizes[:1]
	}
	var bs []benchmark
	for _, items := range sizes {
		n := items
		bs = append(bs, benchmark{
			group: "pipeline/3_stages", value: fmt.Sprint(n), elements: n, threads: 4,
			run: timeLoop(func() { pipeline(n) }),
		})
	}
	return bs
}

// generator emits 0..n-1 and closes its output.
func generator(ctx context.Context, n int) <-chan int {
	out := make(chan int, pipelineBuffer)
	go func() {
		defer close(out)
		for i := 0; i < n; i++ {
			select {
			case out <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// stage applies f to every value of in and closes its output when in closes.
func stage(ctx context.Context, in <-chan int, f func(int) int) <-chan int {
	out := make(chan int, pipelineBuffer)
	go func() {
		defer close(out)
		for v := range in {
			select {
			case out <- f(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func addOne(v int) int { return v + 1 }
func double(v int) int { return v * 2 }
func subOne(v int) int { return v - 1 }

// pipeline runs items values through three stages and checks the sum.
func pipeline(items int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := stage(ctx, stage(ctx, stage(ctx, generator(ctx, items), addOne), double), subOne)
	sum := 0
	for v := range out {
		sum += v
	}
	// Each v becomes 2v+1, and the sum of 2v+1 over 0..n-1 is n*n.
	if sum != items*items {
		panic(fmt.Sprintf("pipeline: sum %d, want %d", sum, items*items))
	}
}

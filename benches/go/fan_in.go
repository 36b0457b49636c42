// Fan-in workload: producers on their own channels merged into one with merge(ctx, inputs...).
package main

import (
	"context"
	"fmt"
	"sync"
)

const fanInProducers = 4
const fanInItems = 100000

// fanInBenchmarks registers fan_in/merge.
func fanInBenchmarks() []benchmark {
	return []benchmark{{
		group: "fan_in/merge", value: fmt.Sprint(fanInProducers), elements: fanInItems, threads: 4,
		run: timeLoop(func() { fanIn(fanInProducers, fanInItems) }),
	}}
}

// producer sends n ints starting at first on a new channel, then closes it.
func producer(first, n int) <-chan int {
	out := make(chan int, 64)
	go func() {
		defer close(out)
		for i := first; i < first+n; i++ {
			out <- i
		}
	}()
	return out
}

// merge forwards every value from the inputs onto one unbuffered channel.
func merge(ctx context.Context, inputs ...<-chan int) <-chan int {
	out := make(chan int)
	var wg sync.WaitGroup
	forward := func(in <-chan int) {
		defer wg.Done()
		for v := range in {
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}
	wg.Add(len(inputs))
	for _, in := range inputs {
		go forward(in)
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// fanIn merges the producers' values and checks their count and sum.
func fanIn(producers, items int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	per := items / producers
	inputs := make([]<-chan int, producers)
	for p := range inputs {
		inputs[p] = producer(p*per, per)
	}
	count, sum := 0, 0
	for v := range merge(ctx, inputs...) {
		count++
		sum += v
	}
	if count != items || sum != items*(items-1)/2 {
		panic(fmt.Sprintf("fan_in: count %d sum %d, want %d items", count, sum, items))
	}
}

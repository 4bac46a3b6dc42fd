"""pool_map.py — a multiprocessing.Pool of two forked workers maps a function over four
items; prints the results in order. Under weft the workers are processes of the session
(fork), their queues pipes and their locks process-shared semaphores."""
import multiprocessing


def square(x):
    return x * x


if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print("squares", pool.map(square, range(4)))

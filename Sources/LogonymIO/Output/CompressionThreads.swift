import Dispatch
import Foundation
import Glibc
import Synchronization

/// The threads that compress gzip members for every output, a single `.gz` file and window segments alike: one
/// per CPU, made on first use and kept for the life of the process, each running its jobs in the order given.
///
/// They run at a lower scheduling priority than the thread that started them (nice +10, at most 19). The reading
/// thread, which parses and anonymizes the lines, is the one stage that cannot be shared out, and with as many
/// compression threads as cores it would otherwise get only its fair share of a core whenever compression has
/// work: on 2 cores, two thirds of one, with the compression threads then waiting for its lines. At the lower
/// priority, compression takes the time the reading thread leaves (measured on the benchmark log's windowed run:
/// 0.98 s before, 0.88 s after). On a busy node this also puts logonym's compression behind the node's own work.
///
/// If no thread can be made (a pids limit), jobs run on the thread that gives them: slower, never stuck.
final class CompressionThreads: Sendable {
    static let shared = CompressionThreads(count: ProcessInfo.processInfo.activeProcessorCount)

    /// How much lower than the starting thread's priority the threads run.
    static let niceness: Int32 = 10

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let queued = DispatchSemaphore(value: 0)
    /// How many threads were made.
    private let made = Atomic<Int>(0)
    var threads: Int { made.load(ordering: .acquiring) }

    private init(count: Int) {
        for _ in 0..<max(1, count) {
            // The thread holds the pool for the life of the process (the pool is never released).
            let context = Unmanaged.passRetained(Box(self)).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(
                &thread,
                nil,
                { context in
                    let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
                    box.pool.work()
                    return nil
                },
                context
            )
            if status == 0 {
                pthread_detach(thread)
                made.add(1, ordering: .releasing)
            } else {
                Unmanaged<Box>.fromOpaque(context).release()
            }
        }
    }

    private final class Box: @unchecked Sendable {
        let pool: CompressionThreads
        init(_ pool: CompressionThreads) { self.pool = pool }
    }

    /// Runs `job` on the next free compression thread (on this one when there are none).
    func run(_ job: @escaping @Sendable () -> Void) {
        guard threads > 0 else { return job() }
        jobs.withLock { $0.append(job) }
        queued.signal()
    }

    private func work() {
        // A thread's nice value is its own on Linux; `who` 0 is the calling thread. -1 is also a valid priority,
        // so errno tells a failure (which leaves the priority as it is).
        errno = 0
        let inherited = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        if errno == 0 {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(inherited + Self.niceness, 19))
        }
        while true {
            queued.wait()
            let job = jobs.withLock { $0.removeFirst() }
            job()
        }
    }
}

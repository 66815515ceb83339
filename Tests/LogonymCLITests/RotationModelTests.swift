import Foundation
import LogonymTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Seeded schedules of a log's life: lines written, rotations of every kind logrotate does (rename and create,
/// `compress` with and without `delaycompress`, `copytruncate`, `dateext`, the `.gz` stamped fresh or with the
/// original's time, rotated files moved to an `olddir` in a quarter of the schedules), old rotated files deleted (`maxage`, only once read, so that no line is lost by design),
/// logonym run to the end, killed (SIGKILL) at a random moment, or down across several of these steps, on this
/// machine's file system, where a new file often gets the inode number a deleted one had. Each schedule ends with
/// one run to the end; the output must hold every line written exactly once, in order, and no loss be recorded.
///
/// `LOGONYM_ROTATION_SEED` replays the seed a failure names; `LOGONYM_ROTATION_SCHEDULES` sets how many schedules
/// run (default 200; `Benchmarks/rotation_soak.sh` runs thousands).
@Suite(.serialized)
struct RotationModelTests {
    static let seed = environmentNumber("LOGONYM_ROTATION_SEED", default: 0x726F_7461_7465_2121)
    static let schedules = environmentNumber("LOGONYM_ROTATION_SCHEDULES", default: 200)

    enum Action: CustomStringConvertible {
        case write(Int)
        case rotate(RotationOutageTests.Schedule.Step, keepsTime: Bool)
        case runToEnd
        case kill(afterMilliseconds: Int)
        case deleteOldest

        var description: String {
            switch self {
            case .write(let count): "write \(count)"
            case .rotate(let step, let keepsTime): "rotate \(step)\(keepsTime ? " keeping time" : "")"
            case .runToEnd: "run"
            case .kill(let ms): "kill after \(ms) ms"
            case .deleteOldest: "delete oldest rotated"
            }
        }
    }

    /// A schedule: the same seed and index give the same actions on every machine.
    static func actions(seed: UInt64, index: Int) -> [Action] {
        var random = SplitMix64(seed: seed, stream: 7, index: index)
        let dated = random.chance(25)
        var day = 10
        var actions: [Action] = [.write(random.int(1...200)), .runToEnd]
        var readSince = true  // every file read since the last rotation or write
        for _ in 0..<random.int(4...14) {
            switch random.below(100) {
            case 0..<35:
                actions.append(.write(random.int(1...250)))
                readSince = false
            case 35..<60:
                let step: RotationOutageTests.Schedule.Step
                if dated {
                    day += 1
                    step = .dated(day: day)
                } else {
                    step = random.pick([
                        .rename(compress: true, delay: true), .rename(compress: true, delay: false),
                        .rename(compress: false, delay: false), .copytruncate,
                    ])
                }
                actions.append(.rotate(step, keepsTime: random.chance(30)))
                actions.append(.write(random.int(0...120)))
                readSince = false
            case 60..<75:
                actions.append(.runToEnd)
                readSince = true
            case 75..<92:
                actions.append(.kill(afterMilliseconds: random.int(0...60)))
            default:
                if readSince { actions.append(.deleteOldest) }
            }
        }
        return actions
    }

    /// Whether a schedule's rotated files go to an `olddir` (drawn apart from its actions, which stay as they were).
    static func usesOlddir(seed: UInt64, index: Int) -> Bool {
        var random = SplitMix64(seed: seed, stream: 8, index: index)
        return random.chance(25)
    }

    @Test func everyScheduleEndsWithEveryLineOnce() throws {
        let seed = try #require(Self.seed, "LOGONYM_ROTATION_SEED must be a decimal or 0x-hex number")
        let count = Int(try #require(Self.schedules, "LOGONYM_ROTATION_SCHEDULES must be a number"))
        let only = environmentNumber("LOGONYM_ROTATION_ONLY", default: UInt64.max).map { Int(truncatingIfNeeded: $0) }
        var reusedInodes = 0
        var kills = 0
        var lines = 0
        var failures: [String] = []
        for index in 0..<count where only == -1 || only == index {
            let actions = Self.actions(seed: seed, index: index)
            let olddir = Self.usesOlddir(seed: seed, index: index)
            let outcome = try run(actions, olddir: olddir)
            reusedInodes += outcome.reusedInodes
            kills += outcome.kills
            lines += outcome.lines
            if let failure = outcome.failure {
                let place = olddir ? " with olddir" : ""
                failures.append("schedule \(index)\(place) (LOGONYM_ROTATION_SEED=\(seed)): \(actions): \(failure)")
                if failures.count >= 3 { break }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The model is only worth its name if the file system really reused inode numbers under it.
        #expect(count < 20 || reusedInodes > 0, "no inode number was reused in \(count) schedules")
        print(
            "rotation model: \(count) schedules, \(kills) kills, \(lines) lines, \(failures.count) failed, "
                + "\(reusedInodes) inode numbers reused (seed \(seed))"
        )
    }

    struct Outcome {
        var failure: String?
        var reusedInodes = 0
        var kills = 0
        var lines = 0
    }

    func run(_ actions: [Action], olddir: Bool) throws -> Outcome {
        let harness = try DaemonHarness(extraInputs: olddir ? "olddir = \"old\"" : "")
        defer { harness.cleanup() }
        var outcome = Outcome()
        let lines = generatedLines(actions.reduce(0) { if case .write(let n) = $1 { $0 + n } else { $0 } })
        var written = 0
        var seenInodes = Set<UInt64>()
        var keepsTime = false
        var world: LogDirectory { LogDirectory(live: harness.log, keepsTime: keepsTime, olddir: olddir ? "old" : nil) }
        for action in actions {
            switch action {
            case .write(let count):
                try world.append(lines[written..<(written + count)])
                written += count
            case .rotate(let step, let keeps):
                keepsTime = keeps
                try world.rotate(step)
                if let inode = world.inode(harness.log), !seenInodes.insert(inode).inserted {
                    outcome.reusedInodes += 1
                }
            case .runToEnd:
                let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "warning"])
                if result.status != 0 { return Outcome(failure: "run exited \(result.status): \(result.stderr)") }
            case .kill(let milliseconds):
                try harness.start(arguments: ["--once"])
                usleep(useconds_t(milliseconds * 1000))
                harness.stop(signal: SIGKILL)
                outcome.kills += 1
            case .deleteOldest:
                world.deleteOldestRotated()
            }
            for path in world.paths() { if let inode = world.inode(path) { seenInodes.insert(inode) } }
        }
        let final = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        guard final.status == 0 else { return Outcome(failure: "final run exited \(final.status): \(final.stderr)") }
        outcome.lines = written
        let got = try harness.output().split(separator: 0x0A)
        let want = try DaemonHarness.reference(Array(lines[..<written])).split(separator: 0x0A)
        if got != want {
            let first = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            outcome.failure =
                "\(got.count) lines of \(want.count), first difference at line \(first ?? min(got.count, want.count)); files: \(world.listing()); log: \(final.stderr.suffix(1200))"
        } else {
            // The only losses a schedule may record are the possible ones: lines written between copytruncate's copy
            // and its truncation, or to a rotated file deleted before its writer moved on (none here, but logonym
            // cannot know that).
            let reasons = try harness.recordedLossReasons()
            let unexplained = reasons.filter { !$0.hasPrefix("copytruncate") && !$0.hasPrefix("deleted after") }
            if !unexplained.isEmpty {
                outcome.failure = "losses recorded where none happened: \(unexplained); \(final.stderr.suffix(999))"
            }
        }
        return outcome
    }
}

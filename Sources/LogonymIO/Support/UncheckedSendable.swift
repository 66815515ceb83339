/// A value handed to other threads that each touch only their own part of it, or that only one of them uses at a
/// time (the compression of a commit's members, the gzip reader's thread).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

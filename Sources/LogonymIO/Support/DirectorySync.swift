import Foundation
import Glibc

/// fsync of a directory, so that created, renamed and removed entries are durable.
enum DirectorySync {
    static func sync(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func sync(parentOf path: String) {
        let parent = (path as NSString).deletingLastPathComponent
        sync(parent.isEmpty ? "." : parent)
    }
}

import Glibc

/// Shell-style path patterns (`/var/log/nginx/*.log`), expanded with glob(3).
enum Glob {
    /// The paths matching `pattern`, sorted; a pattern without wildcards matches itself only if it exists.
    static func expand(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
    }

    /// Files in the same directory whose names start with the base name of `path` (its rotated copies:
    /// `access.log.1`, `access.log.2.gz`, `access.log-20261127`), not including `path` itself.
    /// With `olddir` (logrotate's, relative to the directory of `path` or absolute), the rotated copies moved
    /// there are included.
    static func siblings(of path: String, olddir: String? = nil) -> [String] {
        let (directory, name) = split(path)
        var found = entries(in: directory, startingWith: name)
        if let olddir {
            let moved = resolve(olddir: olddir, of: path)
            if moved != directory { found += entries(in: moved, startingWith: name) }
        }
        return found
    }

    /// A path's directory (`.` when it has none) and name.
    static func split(_ path: String) -> (directory: String, name: String) {
        let slash = path.lastIndex(of: "/")
        return (slash.map { String(path[..<$0]) } ?? ".", slash.map { String(path[path.index(after: $0)...]) } ?? path)
    }

    /// logrotate's `olddir` for the file at `path`: relative to the file's directory, or absolute.
    static func resolve(olddir: String, of path: String) -> String {
        olddir.hasPrefix("/") ? olddir : split(path).directory + "/" + olddir
    }

    /// The paths of the entries of `directory` whose names start with `name` (but are not `name`), sorted.
    private static func entries(in directory: String, startingWith name: String) -> [String] {
        guard let dir = opendir(directory.isEmpty ? "/" : directory) else { return [] }
        defer { closedir(dir) }
        var found: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if entryName != name && entryName.hasPrefix(name) { found.append(directory + "/" + entryName) }
        }
        return found.sorted()
    }
}

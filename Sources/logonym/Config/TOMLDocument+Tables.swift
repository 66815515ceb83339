extension TOMLDocument {
    /// A table while the document is read, with how it came to be, which decides what may still add to it:
    /// a table named only as the parent of a header (`a` of `[a.b]`) may be defined once by its own header later;
    /// one made by dotted keys may gain keys only through more dotted keys in the same place, and sub-tables through
    /// headers; an inline table is complete when it closes (it becomes a value).
    final class TableNode {
        enum Origin {
            case implicit
            case header
            case dotted
            case inline
        }

        enum Child {
            case value(Value)
            case table(TableNode)
            case tableArray(TableArrayNode)
        }

        var origin: Origin
        var line: Int
        private var order: [String] = []
        /// By code points, as in ``Table``.
        private var children: [[Unicode.Scalar]: (child: Child, line: Int)] = [:]

        init(origin: Origin, line: Int) {
            self.origin = origin
            self.line = line
        }

        subscript(_ key: String) -> (child: Child, line: Int)? {
            get { children[Array(key.unicodeScalars)] }
            set {
                if children[Array(key.unicodeScalars)] == nil { order.append(key) }
                children[Array(key.unicodeScalars)] = newValue
            }
        }

        /// The finished table, as the rest of logonym reads it.
        func freeze() -> Table {
            var table = Table(line: line)
            for key in order {
                let (child, line) = self[key]!
                switch child {
                case .value(let value): table.append(key, value, line: line)
                case .table(let node): table.append(key, .table(node.freeze()), line: line)
                case .tableArray(let array):
                    table.append(key, .tableArray(array.tables.map { $0.freeze() }), line: line)
                }
            }
            return table
        }
    }

    /// An array of tables made by `[[header]]` lines (an array written as a value cannot be appended to).
    final class TableArrayNode {
        var tables: [TableNode]

        init(_ tables: [TableNode]) {
            self.tables = tables
        }
    }

    /// `[keys]`: the table it defines, which must not have been defined before (by a header or by dotted keys).
    static func defineTable(_ root: TableNode, _ keys: [String], line: Int) throws(SyntaxError) -> TableNode {
        let parent = try headerParent(root, keys, line: line)
        let name = keyPath(keys)
        switch parent[keys.last!] {
        case nil:
            let table = TableNode(origin: .header, line: line)
            parent[keys.last!] = (.table(table), line)
            return table
        case .some((.table(let table), let first)):
            switch table.origin {
            case .implicit:
                table.origin = .header
                table.line = line
                parent[keys.last!] = (.table(table), line)
                return table
            case .header:
                throw SyntaxError(line: line, message: "table [\(name)] is defined twice (first on line \(first))")
            case .dotted, .inline:
                throw SyntaxError(
                    line: line,
                    message: "table [\(name)] was already defined by dotted keys on line \(first)"
                )
            }
        case .some((.tableArray, let first)):
            throw SyntaxError(
                line: line,
                message: "[\(name)] is an array of tables (line \(first)); write [[\(name)]] to add to it"
            )
        case .some((.value(let value), let first)):
            throw SyntaxError(line: line, message: "'\(name)' is already \(value.typeName) (line \(first))")
        }
    }

    /// `[[keys]]`: a new table appended to the array of tables named by `keys`.
    static func appendTableArray(_ root: TableNode, _ keys: [String], line: Int) throws(SyntaxError) -> TableNode {
        let parent = try headerParent(root, keys, line: line)
        let table = TableNode(origin: .header, line: line)
        switch parent[keys.last!] {
        case nil:
            parent[keys.last!] = (.tableArray(TableArrayNode([table])), line)
        case .some((.tableArray(let array), _)):
            array.tables.append(table)
        case .some((.table, let first)):
            throw SyntaxError(
                line: line,
                message: "[[\(keyPath(keys))]] names a table defined on line \(first), not an array of tables"
            )
        case .some((.value(let value), let first)):
            throw SyntaxError(
                line: line,
                message: "'\(keyPath(keys))' is already \(value.typeName) (line \(first)); [[...]] cannot add to it"
            )
        }
        return table
    }

    /// The table that holds the last key of a header, creating the missing ones; the last table of an array of
    /// tables stands for the array.
    private static func headerParent(_ root: TableNode, _ keys: [String], line: Int) throws(SyntaxError) -> TableNode {
        var table = root
        for (index, key) in keys.dropLast().enumerated() {
            switch table[key] {
            case nil:
                let created = TableNode(origin: .implicit, line: line)
                table[key] = (.table(created), line)
                table = created
            case .some((.table(let inner), _)):
                table = inner
            case .some((.tableArray(let array), _)):
                table = array.tables.last!
            case .some((.value(let value), let first)):
                throw SyntaxError(
                    line: line,
                    message: "'\(keyPath(keys.prefix(index + 1)))' is already \(value.typeName) (line \(first))"
                )
            }
        }
        return table
    }

    /// `keys = value` inside `table`: dotted keys make (or extend) tables of their own, never a header's table.
    static func assign(
        _ value: Value,
        to keys: [String],
        in table: TableNode,
        line: Int
    ) throws(SyntaxError) {
        var table = table
        for (index, key) in keys.dropLast().enumerated() {
            let name = keyPath(keys.prefix(index + 1))
            switch table[key] {
            case nil:
                let created = TableNode(origin: .dotted, line: line)
                table[key] = (.table(created), line)
                table = created
            case .some((.table(let inner), let first)):
                guard inner.origin == .dotted else {
                    throw SyntaxError(
                        line: line,
                        message:
                            "'\(name)' is a table defined by a header (line \(first)); dotted keys cannot add to it"
                    )
                }
                table = inner
            case .some((.tableArray(_), let first)):
                throw SyntaxError(
                    line: line,
                    message: "'\(name)' is an array of tables (line \(first)); dotted keys cannot add to it"
                )
            case .some((.value(let value), let first)):
                throw SyntaxError(line: line, message: "'\(name)' is already \(value.typeName) (line \(first))")
            }
        }
        let last = keys.last!
        if let (_, first) = table[last] {
            throw SyntaxError(line: line, message: "'\(keyPath(keys))' is defined twice (first on line \(first))")
        }
        table[last] = (.value(value), line)
    }

    /// A dotted key as written in TOML, quoting the parts that are not bare keys.
    static func keyPath(_ keys: some Collection<String>) -> String {
        keys.map { key in
            let bare =
                !key.isEmpty
                && key.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
                }
            if bare { return key }
            return "\"" + key.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
        }
        .joined(separator: ".")
    }
}

@available(*, unavailable)
extension TOMLDocument.TableNode: Sendable {}

@available(*, unavailable)
extension TOMLDocument.TableArrayNode: Sendable {}

// swift-tools-version: 6.1
import PackageDescription

import class Foundation.ProcessInfo

let package = Package(
    name: "logonym",
    products: [
        .executable(name: "logonym", targets: ["logonym"]),
        .library(name: "LogonymCore", targets: ["LogonymCore"]),
        .library(name: "LogonymIO", targets: ["LogonymIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Whole-buffer DEFLATE for the gzip members logonym writes: at level 6 about 2.5 times zlib's speed, with
        // smaller output (README, "Compression").
        .systemLibrary(
            name: "CDeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        // ISA-L's streaming inflate for gzip input: about seven times zlib's speed (README, "Compression").
        .systemLibrary(
            name: "CISAL",
            providers: [.apt(["libisal-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CMaxMindDB",
            providers: [.apt(["libmaxminddb-dev"])]
        ),
        // prctl(2), which is variadic in C.
        .systemLibrary(name: "CLinux"),
        .target(
            name: "LogonymCore",
            dependencies: [
                "COpenSSL",
                // X25519, ChaCha20-Poly1305, HKDF and HMAC for age files (Sources/LogonymCore/Age).
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "LogonymIO",
            dependencies: [
                "LogonymCore",
                "CDeflate",
                "CISAL",
                "CMaxMindDB",
                .product(name: "GRDB", package: "GRDB.swift"),
                // sqlite3_file_control (a persistent WAL for state.group readers).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "logonym",
            dependencies: [
                "CLinux",
                "LogonymCore",
                "LogonymIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Seeded random numbers and test settings shared by the test suites (not shipped).
        .target(name: "LogonymTestSupport", path: "Tests/LogonymTestSupport"),
        .testTarget(name: "LogonymCoreTests", dependencies: ["LogonymCore", "LogonymTestSupport"]),
        .testTarget(name: "LogonymIOTests", dependencies: ["LogonymIO", "LogonymCore", "CZlib", "LogonymTestSupport"]),
        .testTarget(
            name: "LogonymCLITests",
            dependencies: [
                "logonym", "LogonymIO", "LogonymCore", "LogonymTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
            .enableUpcomingFeature("InternalImportsByDefault"),
        ]
    if target.type != .test {
        target.swiftSettings! += [.unsafeFlags(["-Xfrontend", "-require-explicit-sendable"])]
        // Exclusive access is checked at run time in debug builds (the tests, under ASan too) and not in release
        // builds, where the checks (class properties on the hot path) cost 12% of plain -> plain's time. Bounds and
        // overflow checks stay on in both.
        target.swiftSettings! += [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
    }
}

// The benchmark suite (Benchmarks/LogonymBenchmarks) is only part of the package when asked for,
// so that a plain `swift build` / `swift test` never resolves or builds package-benchmark.
if ProcessInfo.processInfo.environment["LOGONYM_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"])
    )
    package.targets.append(
        .executableTarget(
            name: "LogonymBenchmarks",
            dependencies: [
                "LogonymCore",
                "LogonymIO",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/LogonymBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}

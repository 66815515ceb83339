import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `--config` and `--address` of the commands about one data subject (`forget`, `access`, `object`).
struct SubjectOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = "/etc/logonym/logonym.toml"

    @Option(
        help: ArgumentHelp(
            "The client's address (IPv4 or IPv6); '-' reads it from standard input, out of sight of ps.",
            valueName: "address"
        )
    )
    var address: String?

    @Option(help: ArgumentHelp("Only this tenant's windows (a configuration with tenants).", valueName: "name"))
    var tenant: String?

    /// `--tenant`, checked against the configuration's tenants.
    func checkedTenant(_ settings: EngineSettings) throws -> String? {
        try Self.checkedTenant(tenant, settings)
    }

    /// A `--tenant` option's value, checked against the configuration's tenants (`nil` when none was given).
    static func checkedTenant(_ tenant: String?, _ settings: EngineSettings) throws -> String? {
        guard let tenant else { return nil }
        guard settings.tenants.contains(where: { $0.name == tenant }) else {
            let names = settings.tenants.map(\.name)
            throw CommandFailure.usage(
                names.isEmpty
                    ? "--tenant: the configuration has no [[tenant]]"
                    : "--tenant '\(tenant)': not a configured tenant (\(names.joined(separator: ", ")))"
            )
        }
        return tenant
    }

    /// The address given, canonical; `nil` when none was. It is never echoed, not even in an error.
    func subject() throws -> IPAddress? {
        guard let address else { return nil }
        let text = address == "-" ? readLine(strippingNewline: true) ?? "" : address
        guard let parsed = IPAddress(text.trimmingCharacters(in: .whitespaces)) else {
            throw CommandFailure.usage("--address: not an IPv4 or IPv6 address")
        }
        return parsed.canonical
    }

    /// The address, which the command needs.
    func requiredSubject() throws -> IPAddress {
        guard let subject = try subject() else { throw CommandFailure.usage("give --address") }
        return subject
    }
}

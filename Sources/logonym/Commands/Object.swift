import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym object`: the right to object (and to restriction): one client's lines are no longer processed.
struct Object: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "object",
        abstract: "Stop processing one client's lines (an objection), list objections, or withdraw one.",
        discussion: """
            From within a second of the objection, every line whose client, forwarded-for element or other \
            address field holds the address (in a JSON or unparsable line: any address in it) is dropped at ingest \
            and counted as objected, by the daemon and by windowed batch runs on the same state directory. Lines \
            already written stay until retention or forget removes them.

            The address is kept only as a keyed hash (HMAC-SHA256 under STATE/keys/objections.key, made by the \
            first objection): never in the clear, never in logonym's messages. --list shows how many objections \
            there are and since when, never an address. Every change is in the audit log (kind request).

            Examples:
              logonym object --address 198.51.100.7
              echo 2001:db8::7 | logonym object --address - --until 2027-06-01
              logonym object --list
              logonym object --withdraw --address 198.51.100.7

            Exit codes: 0 done (--withdraw: also when there was none); 2 usage or configuration error.
            """
    )

    @OptionGroup var subject: SubjectOptions

    @Option(
        help: ArgumentHelp("The objection ends at this time (a restriction); default: for good.", valueName: "time")
    )
    var until: String?

    @Flag(help: "Withdraw the objection to --address.")
    var withdraw = false

    @Flag(help: "List the objections: when each was made and until when it holds.")
    var list = false

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() throws {
        let until = try TimeArgument.option(until, "--until")
        if list {
            guard subject.address == nil, !withdraw, until == nil else {
                throw CommandFailure.usage("--list takes no --address, --withdraw or --until")
            }
        } else if subject.address == nil {
            throw CommandFailure.usage("give --address (or --list)")
        }
        if withdraw && until != nil { throw CommandFailure.usage("--withdraw takes no --until") }
        if let until, Double(until) <= Date().timeIntervalSince1970 {
            throw CommandFailure.usage("--until \(AuditEntry.timestamp(Double(until))): is not in the future")
        }
        let parsed = try subject.subject()
        let access = try MaintenanceAccess.open(configPath: subject.config)
        let tenant = try subject.checkedTenant(access.state.settings)
        let objections = Objections(
            store: access.state.store,
            stateDirectory: access.state.settings.stateDirectory,
            tenant: tenant
        )
        if list {
            let listed = try objections.list()
            try access.recordRead(.read("object --list", tenant: tenant, returned: Int64(listed.count)))
            if json {
                struct Output: Encodable {
                    var count: Int
                    var inForce: Int
                    var objections: [Objections.Listed]

                    enum CodingKeys: String, CodingKey {
                        case count, objections
                        case inForce = "in_force"
                    }
                }
                let output = Output(count: listed.count, inForce: listed.count { $0.inForce }, objections: listed)
                print(try JSONOutput.encode(output))
                return
            }
            for item in listed {
                let end = item.until.map { " until \($0)" } ?? " (for good)"
                let scope =
                    item.tenant.map { ", tenant \($0)" }
                    ?? (access.state.settings.tenants.isEmpty ? "" : ", every tenant")
                print("objection made \(item.created)\(end)\(scope)\(item.inForce ? "" : ", ended")")
            }
            print("\(listed.count) objections, \(listed.count { $0.inForce }) in force")
            return
        }
        let audit = access.maintenance.audit
        if withdraw {
            let removed = try objections.withdraw(parsed!, audit: audit)
            if json {
                print(#"{"withdrawn":\#(removed)}"#)
            } else {
                print(
                    removed
                        ? "objection withdrawn: the address's lines are processed again" : "no objection to withdraw"
                )
            }
            return
        }
        let new = try objections.add(parsed!, until: until.map(Double.init), audit: audit)
        let end = until.map { " until \(AuditEntry.timestamp(Double($0)))" } ?? ""
        if json {
            print(#"{"new":\#(new),"until":\#(until.map { "\"\(AuditEntry.timestamp(Double($0)))\"" } ?? "null")}"#)
        } else {
            print(
                (new ? "objection recorded" : "objection already recorded; its end is now as given")
                    + "\(end): the address's lines are dropped (objected) from within a second"
            )
        }
    }
}

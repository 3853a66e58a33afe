import Foundation
import Logging
import RAGCore
import RaglineApp
#if canImport(Glibc)
import Glibc
#endif

/// `ragline broker` and roles as separate OS processes on one temporary data directory, the demo knowledge
/// seeded, the gateway on a free port: the multi-process fixture. Always end with `stop()`.
public final class MultiProcessStack: Sendable {
    public let directory: TemporaryDirectory
    public let configuration: RaglineConfiguration
    public let gatewayPort: Int
    public let http: TestHTTP
    private let environment: [String: String]
    private let processes = LockedBox<[RaglineProcess]>([])

    /// - Parameter environment: settings every process gets on top of the fixture's own.
    public init(environment: [String: String] = [:]) throws {
        directory = try TemporaryDirectory("ragline-mp")
        var configuration = RaglineConfiguration()
        configuration.dataDirectory = directory.appending("data")
        self.configuration = configuration
        gatewayPort = freePort()
        http = TestHTTP(baseURL: "http://127.0.0.1:\(gatewayPort)")
        self.environment = [
            "RAGLINE_DATA_DIR": configuration.dataDirectory, "RAGLINE_PORT": String(gatewayPort), "RAGLINE_LOG_LEVEL": "info", "RAGLINE_HOST": "127.0.0.1",
        ].merging(environment) { _, given in given }
        try LocalKnowledgeSource.seed(
            from: (repositoryRoot as NSString).appendingPathComponent("examples/knowledge"), into: configuration.knowledgeDirectory, logger: Logger(label: "test")
        )
    }

    /// Starts `ragline <arguments>` with its own admin port.
    @discardableResult
    public func launch(_ name: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> RaglineProcess {
        let environment = self.environment.merging(["RAGLINE_ADMIN_PORT": String(freePort())]) { _, new in new }.merging(extra) { _, new in new }
        let process = try RaglineProcess(name: name, arguments: arguments, environment: environment, logDirectory: directory.path)
        processes.withLock { $0.append(process) }
        return process
    }

    /// Starts `ragline broker` and returns its bootstrap address once published.
    public func startBroker() async throws -> (process: RaglineProcess, brokers: String) {
        let broker = try launch("broker", ["broker"])
        let file = configuration.brokerAddressFile
        try await waitUntil("broker address file", timeout: .seconds(20)) { FileManager.default.fileExists(atPath: file) }
        return (broker, try RaglineRuntime.brokers(configuration))
    }

    /// Waits until the gateway's `/readyz` answers 200.
    public func waitForGateway(timeout: Duration = .seconds(60)) async throws {
        let http = self.http
        try await waitUntil("gateway /readyz", timeout: timeout) { (try? await http.get("/readyz").status) == 200 }
    }

    /// Every process started, oldest first.
    public var started: [RaglineProcess] { processes.value }

    /// SIGTERM to every process still running, newest first, then removes the directory.
    public func stop() async {
        for process in processes.value.reversed() { await process.terminate(timeout: .seconds(10)) }
        directory.remove()
    }
}

extension RaglineProcess {
    /// SIGSTOP: the process freezes (a stalled broker), until `thaw()`.
    public func freeze() {
        if isRunning { Glibc.kill(pid, SIGSTOP) }
    }

    public func thaw() {
        if isRunning { Glibc.kill(pid, SIGCONT) }
    }
}

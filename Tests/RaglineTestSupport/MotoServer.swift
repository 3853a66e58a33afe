import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `moto_server` on 127.0.0.1 with signature checking on after the IAM set-up calls, plus the boto3
/// fixture script that creates a user, a bucket and a notified queue. Stopped by `stop()`.
public final class MotoServer: Sendable {
    public struct Account: Sendable, Decodable {
        public let access_key_id: String
        public let secret_access_key: String
        public let queue_url: String
        public let bucket: String
    }

    public let endpoint: String
    public let account: Account
    private let server: Process
    private static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("moto_fixture.py").path

    static var virtualEnvironment: String { (repositoryRoot as NSString).appendingPathComponent(".venv-test/bin") }

    static func tool(_ name: String) -> String {
        let local = (virtualEnvironment as NSString).appendingPathComponent(name)
        return FileManager.default.isExecutableFile(atPath: local) ? local : "/usr/bin/env"
    }

    public init() async throws {
        let port = freePort()
        endpoint = "http://127.0.0.1:\(port)"
        let server = Process()
        let motoPath = Self.tool("moto_server")
        server.executableURL = URL(fileURLWithPath: motoPath)
        server.arguments = (motoPath == "/usr/bin/env" ? ["moto_server"] : []) + ["-H", "127.0.0.1", "-p", String(port)]
        var environment = ProcessInfo.processInfo.environment
        // The four IAM calls of the set-up go unauthenticated; every request after them must be signed.
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"
        server.environment = environment
        if let log = ProcessInfo.processInfo.environment["MOTO_LOG"], FileManager.default.createFile(atPath: log, contents: nil),
           let handle = FileHandle(forWritingAtPath: log) {
            server.standardOutput = handle
            server.standardError = handle
        } else {
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
        }
        try server.run()
        self.server = server
        let endpoint = self.endpoint
        try await waitUntil("moto_server to listen", timeout: .seconds(30)) {
            (try? Self.run(["-c", "import urllib.request; urllib.request.urlopen('\(endpoint)/moto-api/')"])) != nil
        }
        let output = try Self.run([Self.fixture, "setup", endpoint])
        account = try JSONDecoder().decode(Account.self, from: Data(output.utf8))
    }

    public func put(key: String, file: String) throws {
        _ = try Self.run([Self.fixture, "put", endpoint, account.access_key_id, account.secret_access_key, account.bucket, key, file])
    }

    public func delete(key: String) throws {
        _ = try Self.run([Self.fixture, "delete", endpoint, account.access_key_id, account.secret_access_key, account.bucket, key])
    }

    public func stop() {
        // SIGKILL: moto_server (werkzeug) does not always exit on SIGTERM.
        if server.isRunning {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
    }

    struct ScriptFailed: Error, CustomStringConvertible {
        let output: String
        var description: String { "fixture script failed: \(output)" }
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let python = tool("python")
        let (status, output) = try runProgram(python == "/usr/bin/env" ? "python3" : python, arguments)
        guard status == 0 else { throw ScriptFailed(output: output) }
        return output
    }
}

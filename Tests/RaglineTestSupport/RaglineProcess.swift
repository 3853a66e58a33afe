import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `ragline` binary run as a separate OS process, its output in a log file.
public final class RaglineProcess: Sendable {
    public let name: String
    public let logFile: String
    private let process: Process

    /// The `ragline` executable built next to the test bundle.
    public static var executable: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("ragline").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return (repositoryRoot as NSString).appendingPathComponent(".build/debug/ragline")
    }

    public init(name: String, arguments: [String], environment: [String: String], logDirectory: String) throws {
        self.name = name
        logFile = (logDirectory as NSString).appendingPathComponent("\(name)-\(UUID().uuidString.prefix(4)).log")
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// SIGKILL: no shutdown, no flush, no commit.
    public func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM (unless `signal` is false: then it only waits), then waits up to `timeout`; returns the exit
    /// status, or nil if it had to be killed.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(30), signal: Bool = true) async -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        if signal { process.terminate() }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill()
            return nil
        }
        return process.terminationStatus
    }

    public var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }
}

/// A TCP port that was free a moment ago on 127.0.0.1.
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs a program to completion and returns its exit status and combined output. A path runs directly;
/// a bare name is looked up on PATH.
@discardableResult
public func runProgram(_ program: String, _ arguments: [String], directory: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    if program.contains("/") {
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
    }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

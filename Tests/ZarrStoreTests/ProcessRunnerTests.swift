import Foundation
import Testing
import TestSupport

/// The tests' runner of other programs turns a hung program into a failure that says where it
/// hung, instead of a suite that never ends.
@Suite struct ProcessRunnerTests {
    @Test func aProgramPastItsHangLimitIsKilledAndItsThreadsAreShown() throws {
        let shell = try #require(ProcessRunner.which("sh"))
        let began = Date()
        let result = ProcessRunner.outcome(shell, ["-c", "echo started; exec sleep 300"], hangLimit: 1)
        #expect(result.status == ProcessRunner.hungStatus)
        #expect(result.standardOutput == "started\n")
        #expect(result.standardError.contains("was still running after 1 s and was killed"))
        if ProcessRunner.which("gdb") != nil {
            // gdb's backtrace of the sleeping program: its one thread, in a sleep call.
            #expect(result.standardError.contains("Thread 1"), "\(result.standardError)")
            #expect(result.standardError.contains("sleep"), "\(result.standardError)")
        }
        #expect(Date().timeIntervalSince(began) < 300, "the program was not killed")
    }

    @Test func aProgramThatEndsKeepsItsStatusAndBothOutputs() throws {
        let shell = try #require(ProcessRunner.which("sh"))
        // More than a pipe holds on both outputs, so neither can wait for the other to be read.
        let result = ProcessRunner.outcome(shell, ["-c", "head -c 200000 /dev/zero | tr '\\0' a; head -c 200000 /dev/zero | tr '\\0' b >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.standardOutput == String(repeating: "a", count: 200_000))
        #expect(result.standardError == String(repeating: "b", count: 200_000))
    }
}

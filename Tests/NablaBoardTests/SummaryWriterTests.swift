import Dispatch
import Synchronization
import Foundation
import XCTest
import Nabla
@testable import NablaBoard

/// The event file: its name, first record, flushing, concurrency and errors.
final class SummaryWriterTests: XCTestCase {
    func testFileNameAndFirstRecord() throws {
        let dir = try makeBoardTemporaryDirectory(self).appendingPathComponent("runs/a")
        let writer = try SummaryWriter(logDir: dir)
        let name = writer.fileURL.lastPathComponent
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        XCTAssertTrue(name.hasPrefix("events.out.tfevents."), name)
        XCTAssertEqual(parts[3].count, 10, "10-digit seconds in \(name)")
        XCTAssertNotNil(Int(parts[3]))
        XCTAssertEqual(parts.last.flatMap { Int($0) } != nil, true, "per-process counter ends \(name)")
        XCTAssertEqual(parts[parts.count - 2], "\(getpid())")
        try writer.close()
        let (_, records) = try readEventRecords(in: dir)
        XCTAssertEqual(records.count, 1)
        let first = try ProtobufFields.parse(records[0])
        XCTAssertEqual(first.first { $0.0 == 3 }?.1.bytesValue, Array("brain.Event:2".utf8))
        XCTAssertNotNil(first.first { $0.0 == 1 }?.1.doubleValue)
    }

    func testTwoWritersInOneSecondGetDistinctFiles() throws {
        let dir = try makeBoardTemporaryDirectory(self)
        let a = try SummaryWriter(logDir: dir), b = try SummaryWriter(logDir: dir)
        XCTAssertNotEqual(a.fileURL, b.fileURL)
    }

    func testQueuedEventsReachDiskByCountAndByFlush() throws {
        let dir = try makeBoardTemporaryDirectory(self)
        let writer = try SummaryWriter(logDir: dir, maxQueuedEvents: 3, flushInterval: .zero)
        try writer.addScalar("x", 1, step: 0)
        try writer.addScalar("x", 2, step: 1)
        XCTAssertEqual(try readEventRecords(in: dir).1.count, 1, "two events still queued")
        try writer.addScalar("x", 3, step: 2)
        XCTAssertEqual(try readEventRecords(in: dir).1.count, 4, "the third event flushes the queue")
        try writer.addScalar("x", 4, step: 3)
        try writer.flush()
        XCTAssertEqual(try readEventRecords(in: dir).1.count, 5)
        try writer.close()
        XCTAssertThrowsError(try writer.addScalar("x", 5, step: 4)) {
            XCTAssertEqual($0 as? BoardError, .closed(path: writer.fileURL.path))
        }
        XCTAssertNoThrow(try writer.close(), "closing twice is fine")
    }

    func testTimerFlushesQueuedEvents() throws {
        let dir = try makeBoardTemporaryDirectory(self)
        let writer = try SummaryWriter(logDir: dir, maxQueuedEvents: 1000, flushInterval: .milliseconds(200))
        try writer.addScalar("x", 1, step: 0)
        let deadline = Date().addingTimeInterval(5)
        while try readEventRecords(in: dir).1.count < 2, Date() < deadline { usleep(50_000) }
        XCTAssertEqual(try readEventRecords(in: dir).1.count, 2, "the timer wrote the queued event")
        try writer.close()
    }

    func testDeinitFlushes() throws {
        let dir = try makeBoardTemporaryDirectory(self)
        do {
            let writer = try SummaryWriter(logDir: dir, maxQueuedEvents: 100, flushInterval: .zero)
            try writer.addText("note", "hello", step: 0)
        }
        XCTAssertEqual(try readEventRecords(in: dir).1.count, 2)
    }

    func testConcurrentWritersProduceOnlyValidRecords() throws {
        let dir = try makeBoardTemporaryDirectory(self)
        let writer = try SummaryWriter(logDir: dir, maxQueuedEvents: 7, flushInterval: .milliseconds(5))
        let perThread = 400
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for step in 0..<perThread {
                do {
                    if step % 50 == 0 {
                        try writer.addHistogram("h\(thread)", values: [Double(step), 1, 2], step: step)
                    } else {
                        try writer.addScalar("loss/\(thread)", Double(step) * 0.5, step: step)
                    }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        try writer.close()
        XCTAssertEqual(failures.withLock { $0 }, 0)
        let (_, records) = try readEventRecords(in: dir)   // throws on any bad length, CRC or truncation
        XCTAssertEqual(records.count, 1 + 2 * perThread)
        var stepsByTag: [String: [UInt64]] = [:]
        for record in records.dropFirst() {
            let event = try ProtobufFields.parse(record)
            let step = event.first { $0.0 == 2 }?.1.varintValue ?? 0
            let summary = try XCTUnwrap(event.first { $0.0 == 5 }?.1.bytesValue)
            let value = try XCTUnwrap(try ProtobufFields.first(1, in: summary)?.bytesValue)
            let tag = String(decoding: try XCTUnwrap(try ProtobufFields.first(1, in: value)?.bytesValue), as: UTF8.self)
            stepsByTag[tag, default: []].append(step)
        }
        for thread in 0..<2 {
            let steps = (stepsByTag["loss/\(thread)"] ?? []) + (stepsByTag["h\(thread)"] ?? [])
            XCTAssertEqual(steps.sorted(), (0..<UInt64(perThread)).map { $0 })
            XCTAssertEqual(stepsByTag["loss/\(thread)"], stepsByTag["loss/\(thread)"]?.sorted(), "one thread's events stay in order")
        }
    }

    func testUncreatableDirectoryThrowsNamingThePath() throws {
        let dir = try makeBoardTemporaryDirectory(self)
        let file = dir.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try SummaryWriter(logDir: file)) { error in
            guard case let .cannotCreateDirectory(path, _)? = error as? BoardError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, file.path)
        }
        let below = file.appendingPathComponent("run")
        XCTAssertThrowsError(try SummaryWriter(logDir: below)) { error in
            guard case let .cannotCreateDirectory(path, _)? = error as? BoardError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, below.path)
        }
    }

    func testWriteFailureIsThrownNamingTheFile() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        // /dev/full fails every write with ENOSPC: a stand-in for a full disk.
        let dir = try makeBoardTemporaryDirectory(self)
        let writer = try EventFileWriter(directory: dir, maxQueuedEvents: 1, flushInterval: .zero)
        let full = open("/dev/full", O_WRONLY)
        XCTAssertGreaterThanOrEqual(full, 0)
        // Point the writer's descriptor at /dev/full.
        let fd = try descriptor(of: writer)
        XCTAssertEqual(dup2(full, fd), fd)
        close(full)
        XCTAssertThrowsError(try writer.write(Event(wallTime: 1, step: 1))) { error in
            guard case let .writeFailed(path, reason)? = error as? BoardError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, writer.url.path)
            XCTAssertTrue(reason.contains("errno"), reason)
        }
    }

    /// The descriptor the writer holds: the open descriptor on the same inode as its file.
    private func descriptor(of writer: EventFileWriter) throws -> Int32 {
        var target = stat()
        guard stat(writer.url.path, &target) == 0 else { throw XCTSkip("cannot stat \(writer.url.path)") }
        for fd in Int32(3)..<Int32(4096) {
            var info = stat()
            if fstat(fd, &info) == 0, info.st_ino == target.st_ino, info.st_dev == target.st_dev { return fd }
        }
        throw XCTSkip("cannot find the event file's descriptor")
    }
}

"""Per-family level fixtures: each line is written the way the family's documentation shows it.

Most lines also carry a contradicting level word in their free text; the level field must win.
"""

from __future__ import annotations

import pytest

from stream_processor.parse import parse_message
from stream_processor.parse.formats import field_level

FAMILIES: dict[str, list[tuple[str, str]]] = {
    "level-then-pairs hybrid (Python asctime levelname [name] + logfmt)": [
        ('2026-11-24 10:00:00 ERROR [admin] user=bob action=x latency_ms=5 msg="x done"', "ERROR"),
        ('2026-11-24 10:00:00,123 INFO [api] user=al action=login status=500 msg="ERROR page shown"', "INFO"),
        ("2026-11-24T10:00:00Z WARN [db] latency_ms=900 msg=slow", "WARN"),
    ],
    "Log4j / Log4j 2 / Logback / Spring Boot": [
        ("2026-11-24 10:00:00,123 ERROR [main] com.x.Y - payment failed", "ERROR"),
        ("2026-11-24 10:00:00,123 INFO  [main] com.x.Y - retrying after ERROR: timeout", "INFO"),
        ("10:00:00.123 [http-nio-8080-exec-1] WARN  com.x.Y - fatal-looking text", "WARN"),
        ("176 [main] DEBUG org.apache.log4j.examples.Sort - Error count 0", "DEBUG"),
        ("2026-11-24T10:00:00.123Z ERROR 1234 --- [main] c.x.Y : startup failed", "ERROR"),
        ("2026-11-24 10:00:00.123  INFO 1234 --- [main] c.x.Y : Started, 0 errors", "INFO"),
        ("2026-11-24 10:00:00,123 FATAL [main] com.x.Y - out of memory", "CRITICAL"),
        ("2026-11-24 10:00:00,123 TRACE [main] com.x.Y - entering ERROR handler", "DEBUG"),
    ],
    "java.util.logging SimpleFormatter (two-line form, and its second line alone)": [
        ("Nov 24, 2026 10:00:00 AM com.x.Y method\nSEVERE: connection lost", "ERROR"),
        ("Nov 24, 2026 10:00:00 PM com.x.Y method\nINFO: recovered from ERROR state", "INFO"),
        ("Nov 4, 2026 9:00:00 AM com.x.Y run\nWARNING: slow", "WARN"),
        ("Nov 24, 2026 10:00:00 AM com.x.Y method\nFINE: error budget at 3 %", "DEBUG"),
        ("Nov 24, 2026 10:00:00 AM com.x.Y method\nCONFIG: level=ERROR", "DEBUG"),
        ("FINEST: entering ERROR path", "DEBUG"),
        ("SEVERE: disk gone", "ERROR"),
    ],
    "Python logging defaults": [
        ("ERROR:root:boom", "ERROR"),
        ("INFO:app.db:ERROR count is 0", "INFO"),
        ("WARNING:urllib3.connectionpool:Retrying", "WARN"),
        ("CRITICAL:root:disk full", "CRITICAL"),
        ("2026-11-24 10:00:00,123 - app - INFO - ERROR rate back to normal", "INFO"),
        ("2026-11-24 10:00:00,123 - app.payments - ERROR - card declined", "ERROR"),
        ("2026-11-24 10:00:00,123 - uvicorn.error - INFO - Application startup complete.", "INFO"),
    ],
    "Monolog (PHP, Laravel), Serilog, AWS Lambda runtimes": [
        ('[2026-11-24T10:00:00.000000+00:00] app.ERROR: Payment failed {"order":1} []', "ERROR"),
        ("[2026-11-24 10:00:00] production.INFO: ERROR page rendered [] []", "INFO"),
        ("[2026-11-24 10:00:00] security.WARNING: login throttled", "WARN"),
        ("[10:00:00 ERR] Unhandled exception", "ERROR"),
        ("[10:00:00 INF] ERROR budget fine", "INFO"),
        ("[ERROR]\t2026-11-24T10:00:00.123Z\t6e1a0b2c-1111-2222-3333-444455556666\tboom", "ERROR"),
        ("2026-11-24T10:00:00.123Z\tae1a0b2c-1111-2222-3333-444455556666\tINFO\tERROR count 0", "INFO"),
        ("2026-11-24 10:00:00 ae1a0b2c-1111-2222-3333-444455556666 WARN  Handler - Exception ahead", "WARN"),
    ],
    "Go klog / glog": [
        ("E1125 10:00:00.123456   1234 file.go:12] msg", "ERROR"),
        ("I1125 10:00:00.123456   1234 reflector.go:255] Listing failed: ERROR ignored", "INFO"),
        ("W1125 10:00:00.123456       7 controller.go:9] requeue", "WARN"),
        ("F1125 10:00:00.123456   1234 main.go:40] cannot start", "CRITICAL"),
        ("I20261125 10:00:00.123456 1234 main.go:40] glog with the year", "INFO"),
    ],
    "Go logrus": [
        ("ERRO[0001] cannot connect                           db=orders", "ERROR"),
        ("INFO[0000] ERROR budget fine", "INFO"),
        ("WARN[2026-11-24T10:00:00Z] slow", "WARN"),
        ("FATA[0002] giving up", "CRITICAL"),
        ("PANI[0002] nil map", "CRITICAL"),
        ("DEBU[0000] hi", "DEBUG"),
        ('time="2026-11-24T10:00:00Z" level=error msg="cannot connect" user=bob', "ERROR"),
        ('time="2026-11-24T10:00:00Z" level=info msg="ERROR cleared" user=bob', "INFO"),
    ],
    "Go zap": [
        ('{"level":"error","ts":1732442400.1,"caller":"x/y.go:12","msg":"failed"}', "ERROR"),
        ('{"level":"info","ts":1732442400.1,"msg":"ERROR rate 0"}', "INFO"),
        ('{"level":"dpanic","msg":"bad state"}', "CRITICAL"),
        ('2026-11-24T10:00:00.000Z\tERROR\tx/y.go:12\tfailed\t{"k": 1}', "ERROR"),
        ("2026-11-24T10:00:00.000Z\tINFO\tx/y.go:12\tERROR rate 0", "INFO"),
        ("2026-11-24T10:00:00.000Z\terror\tx/y.go:12\tfailed", "ERROR"),
        ("1732442400.123\twarn\tx/y.go:12\tslow", "WARN"),
        ("2026-11-24T10:00:00.000Z\tDPANIC\tx/y.go:12\tbad", "CRITICAL"),
    ],
    "Ruby Logger / Rails": [
        ("E, [2026-11-24T10:00:00.000000 #1234] ERROR -- : msg", "ERROR"),
        ("I, [2026-11-24T10:00:00.000000 #1234]  INFO -- app: ERROR page rendered", "INFO"),
        ("W, [2026-11-24T10:00:00.000000 #1234]  WARN -- : slow", "WARN"),
        ("F, [2026-11-24T10:00:00.000000 #1234] FATAL -- : crash", "CRITICAL"),
        ("D, [2026-11-24T10:00:00.000000 #1234] DEBUG -- : x", "DEBUG"),
        ("A, [2026-11-24T10:00:00.000000 #1234]   ANY -- : ERROR?", "UNKNOWN"),
    ],
    ".NET console logger": [
        ('fail: Microsoft.AspNetCore.Server.Kestrel[13]\n      Connection id "0HM" failed', "ERROR"),
        ("info: Microsoft.Hosting.Lifetime[0]\n      Error pages enabled", "INFO"),
        ("warn: Microsoft.AspNetCore.HttpsPolicy[3]\n      Failed to determine the https port", "WARN"),
        ("crit: App[0]\n      down", "CRITICAL"),
        ("dbug: App[0]\n      error count 0", "DEBUG"),
        ("trce: App[0]\n      ERROR path", "DEBUG"),
        ("10:00:00 fail: App[0] boom", "ERROR"),
    ],
    "nginx / Apache httpd error logs": [
        ("2026/11/24 10:00:00 [error] 1234#1234: *1 open() failed (2: No such file)", "ERROR"),
        ("2026/11/24 10:00:00 [notice] 1234#1234: signal process started, error log reopened", "INFO"),
        ("2026/11/24 10:00:00 [emerg] 1#1: bind() failed", "CRITICAL"),
        ("2026/11/24 10:00:00 [warn] 1#1: conflicting server name", "WARN"),
        ("[Sun Dec 04 04:47:44 2005] [notice] workerEnv in error state 6", "INFO"),
        ("[Sun Nov 24 10:00:00.123456 2026] [core:error] [pid 1234:tid 5678] AH00126: Invalid URI", "ERROR"),
        ("[Sun Nov 24 10:00:00.123456 2026] [proxy:warn] [pid 1234] AH01144: No protocol handler", "WARN"),
        ("[Sun Nov 24 10:00:00.123456 2026] [ssl:info] [pid 1] AH01914: error-free handshake", "INFO"),
        ("[Sun Nov 24 10:00:00.123456 2026] [core:trace3] [pid 1] request.c(1): ERROR? no", "DEBUG"),
    ],
    "PostgreSQL server log": [
        ("2026-11-24 10:00:00.123 UTC [1234] LOG:  statement: SELECT 'ERROR'", "INFO"),
        ('2026-11-24 10:00:00.123 UTC [1234] ERROR:  relation "x" does not exist', "ERROR"),
        ("2026-11-24 10:00:00.123 UTC [1234] FATAL:  password authentication failed", "CRITICAL"),
        ("2026-11-24 10:00:00.123 UTC [1234] PANIC:  could not write to file", "CRITICAL"),
        ("2026-11-24 10:00:00.123 UTC [1234] WARNING:  there is no transaction in progress", "WARN"),
        ("2026-11-24 10:00:00.123 UTC [1234] DETAIL:  Key (id)=(1) ERROR duplicate", "UNKNOWN"),
        ("2026-11-24 10:00:00.123 UTC [1234] DEBUG2:  ERROR-free checkpoint", "DEBUG"),
        (
            "2026-11-24 10:00:00 UTC [1234]: [1-1] user=app,db=prod,app=psql,client=10.0.0.1 LOG:  "
            "duration: 0.5 ms ERROR",
            "INFO",
        ),
        ("2026-11-24 10:00:00.123 UTC [1234] app@prod ERROR:  syntax error", "ERROR"),
    ],
    "MySQL error log": [
        ("2026-11-24T10:00:00.123456Z 0 [ERROR] [MY-010119] [Server] Aborting", "ERROR"),
        (
            "2020-08-06T14:25:02.936146Z 0 [Warning] [MY-010068] [Server] CA certificate is self signed.",
            "WARN",
        ),
        ("2020-08-06T14:25:02.835618Z 0 [Note] [MY-012487] [InnoDB] DDL log recovery : ERROR none", "INFO"),
        ("2026-11-24T10:00:00.123456Z 0 [System] [MY-010116] [Server] mysqld starting", "INFO"),
        ("2026-11-24T10:00:00.123456+01:00 5 [Note] Event Scheduler: ERROR-free", "INFO"),
    ],
    "syslog with <PRI> (RFC 3164 and RFC 5424)": [
        ("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", "CRITICAL"),
        ("<13>Nov 24 10:00:00 host app[1]: ERROR in text, notice by PRI", "INFO"),
        ("<11>Nov 24 10:00:00 host app[1]: all good", "ERROR"),
        ("<12>1 2026-11-24T10:00:00.003Z host app 1234 ID47 - INFO text, warning PRI", "WARN"),
        ('<165>1 2003-10-11T22:14:15.003Z mymachine evntslog - ID47 [ex@32473 iut="3"] ERROR? no', "INFO"),
        ("<15>1 2026-11-24T10:00:00Z host app - - - debug", "DEBUG"),
        ("<0>Nov 24 10:00:00 host kernel: panic", "CRITICAL"),
        ("<999>Nov 24 10:00:00 host kernel: ERROR", "ERROR"),  # not a PRI: the text decides
    ],
    "Android logcat (threadtime, time, brief, tag, process, long)": [
        ("11-25 10:00:00.123  1234  5678 E Tag: msg", "ERROR"),
        ("11-25 10:00:00.123  1234  5678 I ActivityManager: Process com.x has ERROR", "INFO"),
        ("03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs", "DEBUG"),
        ("11-25 10:00:00.123  1234  5678 V Tag: error", "DEBUG"),
        ("11-25 10:00:00.123  1234  5678 F libc: Fatal signal 11", "CRITICAL"),
        ("11-25 10:00:00.123  1234  5678 A DEBUG: assert", "CRITICAL"),
        ("2026-11-25 10:00:00.123  1234  5678 W Tag: slow", "WARN"),
        ("11-25 10:00:00.123 u0_a12  1234  5678 E Tag: uid form", "ERROR"),
        ("11-25 10:00:00.123 W/Tag( 1234): time form", "WARN"),
        ("E/Tag( 1234): msg", "ERROR"),
        ("I/dalvikvm(  500): GC freed, ERROR none", "INFO"),
        ("W/Tag: tag form", "WARN"),
        ("D( 1234) process form  (Tag)", "DEBUG"),
        ("[ 11-25 10:00:00.123  1234: 5678 E/Tag ]\nlong form", "ERROR"),
        ("I/O error: disk", "ERROR"),  # not logcat: "I/O" is no tag
    ],
    "Windows text logs (CBS, Event Viewer CSV, wevtutil, Get-WinEvent)": [
        ("2016-09-28 04:30:30, Info                  CBS    Failed to get session, error 0x8", "INFO"),
        ("2016-09-28 04:30:31, Error                 CSI    00000001 failure", "ERROR"),
        ("2016-09-28 04:30:31, Warning               CBS    Expecting attribute", "WARN"),
        ("Error,11/24/2026 10:00:00 AM,Service Control Manager,7034,None,The service terminated.", "ERROR"),
        ("Information,11/24/2026 10:00:00 AM,EventLog,6013,None,Uptime; no ERROR", "INFO"),
        ("Warning,24.11.2026 10:00:00,Disk,51,None,paging error", "WARN"),
        ("Critical,11/24/2026 10:00:00 AM,Kernel-Power,41,(63),rebooted", "CRITICAL"),
        (
            "Event[0]:\n  Log Name: System\n  Source: Service Control Manager\n  Event ID: 7036\n"
            "  Level: Information\n  Description:\nThe ERROR Reporting service entered the running state.",
            "INFO",
        ),
        ("Event[1]:\n  Log Name: System\n  Level: Error\n  Description: x", "ERROR"),
        ("11/24/2026 10:00:00 AM  7036 Information The Windows Error Reporting Service started", "INFO"),
    ],
    "HDFS / Hadoop / Spark / ZooKeeper / OpenStack (content words never count)": [
        ("081109 203615 148 INFO dfs.DataNode$PacketResponder: Exception in receiveBlock error", "INFO"),
        ("081109 203615 148 WARN dfs.DataNode: ok", "WARN"),
        ("2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.Foo: ERROR: task failed", "INFO"),
        ("2015-10-18 18:01:47,978 FATAL [IPC Server handler 1] org.apache.hadoop.Foo: x", "CRITICAL"),
        ("17/06/09 20:10:40 INFO executor.Executor: Exception in task 0.0 ERROR", "INFO"),
        ("17/06/09 20:10:40 ERROR executor.Executor: Exception in task 0.0", "ERROR"),
        ("2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0.0.0.0:2181:Foo@774] - ERROR none", "INFO"),
        ("2015-07-29 17:41:44,747 - WARN  [SendWorker:188978561024:QuorumCnxManager@688] - x", "WARN"),
        ("2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38] error 500", "INFO"),
        ("2017-05-16 00:00:00.008 25746 ERROR nova.compute.manager [req-38] Instance failed", "ERROR"),
    ],
    "BGL (Blue Gene/L RAS)": [
        (
            "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 "
            "RAS KERNEL INFO instruction cache parity error corrected",
            "INFO",
        ),
        (
            "KERNDTLB 1118536327 2005.06.11 R30-M0-N9-C:J16-U01 2005-06-11-17.32.07.581048 "
            "R30-M0-N9-C:J16-U01 RAS KERNEL FATAL data TLB error interrupt",
            "CRITICAL",
        ),
        (
            "- 1117869872 2005.06.04 R21-M1-N6-C:J08-U11 2005-06-04-00.24.32.432192 R21-M1-N6-C:J08-U11 "
            "RAS APP SEVERE ciod: failed to read message prefix",
            "ERROR",
        ),
        (
            "- 1117869872 2005.06.04 R21-M1-N6 2005-06-04-00.24.32.432192 R21-M1-N6 RAS MMCS WARNING x",
            "WARN",
        ),
        (
            "- 1117869872 2005.06.04 R21-M1-N6 2005-06-04-00.24.32.432192 R21-M1-N6 RAS KERNEL FAILURE x",
            "CRITICAL",
        ),
    ],
}
CASES = [(family, line, level) for family, cases in FAMILIES.items() for line, level in cases]


@pytest.mark.parametrize(("family", "line", "level"), CASES)
def test_level_comes_from_the_family_field(family: str, line: str, level: str) -> None:
    assert parse_message(line).level == level, family


def test_hybrid_line_keeps_its_logfmt_fields() -> None:
    parsed = parse_message('2026-11-24 10:00:00 ERROR [admin] user=bob action=x latency_ms=5 msg="x done"')
    assert parsed[:5] == ("ERROR", 5.0, "bob", "x", None)
    assert parsed.text == "x done"


def test_rfc5424_app_name_is_the_action_and_3164_keeps_the_program() -> None:
    assert parse_message("<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 - hi").action == "evntslog"
    rfc3164 = parse_message("<38>Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 1.2.3.4")
    assert (rfc3164.level, rfc3164.action, rfc3164.principal) == ("INFO", "sshd", "webmaster")


@pytest.mark.parametrize(
    "line",
    [
        "connection error occurred",
        "3 errors found",
        "3 Critical patches installed",
        "2 Alert rules evaluated",
        '10.0.0.1 - - [26/Nov/2025:12:00:03 +0000] "GET /x HTTP/1.1" 500 12',
        "Nov 26 12:00:01 ip-10-0-0-1 sshd[1]: Failed password for root",
        "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy",
        "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond[2916]: (root) CMD (x)",
        "",
    ],
)
def test_lines_without_a_level_field_are_left_to_the_text(line: str) -> None:
    assert field_level(line) is None

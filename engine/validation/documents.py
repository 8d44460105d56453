"""Reading BPMN and DMN files into a small index the checks share (lxml only; no SpiffWorkflow here).

Parse errors become readable problems (line and reason); a file that is not BPMN 2.0 / DMN is named as such.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from engine.validation.problems import Report

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/",
                  "http://www.omg.org/spec/DMN/20151101/dmn.xsd", "https://www.omg.org/spec/DMN/20230324/MODEL/")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)


def q(tag: str, ns: str = BPMN) -> str:
    return f"{{{ns}}}{tag}"


def local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def parse_xml(file: str, text: str | bytes, report: Report):
    """The root element, or None after reporting why the file cannot be read."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if not data.strip():
        report.error("empty-file", file, None, None, "文件为空", "the file is empty")
        return None
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else "?")
        reason = (exc.msg or str(exc)).split(", line")[0]
        report.error("xml-syntax", file, None, None, f"XML 格式错误（第 {line} 行）：{reason}",
                     f"not well-formed XML (line {line}): {reason}")
    except ValueError as exc:  # e.g. an encoding declaration on a str
        report.error("xml-syntax", file, None, None, f"XML 无法读取：{exc}", f"XML cannot be read: {exc}")
    return None


def properties(node) -> dict[str, str]:
    """spiffworkflow:properties directly on this element."""
    found: dict[str, str] = {}
    ext = node.find(q("extensionElements"))
    if ext is None:
        return found
    for props in ext.findall(q("properties", SPIFF)):
        for prop in props.findall(q("property", SPIFF)):
            if prop.get("name"):
                found[prop.get("name")] = prop.get("value") or ""
    return found


def extension_text(node, tag: str) -> str | None:
    ext = node.find(q("extensionElements"))
    child = ext.find(q(tag, SPIFF)) if ext is not None else None
    return child.text if child is not None and child.text and child.text.strip() else None


@dataclass
class ProcessInfo:
    id: str
    name: str
    file: str
    node: object
    executable: bool
    lanes: dict[str, str] = field(default_factory=dict)   # flow node id → lane name
    properties: dict[str, str] = field(default_factory=dict)

    def elements(self):
        """Every element inside the process (subprocesses included)."""
        return (n for n in self.node.iter() if isinstance(n.tag, str) and n.tag.startswith(f"{{{BPMN}}}"))

    def of_type(self, *kinds: str):
        return (n for n in self.elements() if local(n) in kinds)


@dataclass
class Index:
    roots: dict[str, object] = field(default_factory=dict)            # readable BPMN file → root
    processes: dict[str, ProcessInfo] = field(default_factory=dict)   # process id → info
    decisions: dict[str, tuple[str, object]] = field(default_factory=dict)  # decision id → (file, node)
    dmn_roots: dict[str, object] = field(default_factory=dict)

    def executable(self) -> list[ProcessInfo]:
        return [p for p in self.processes.values() if p.executable]


def _lanes(process) -> dict[str, str]:
    lanes: dict[str, str] = {}
    for lane in process.iter(q("lane")):
        for ref in lane.findall(q("flowNodeRef")):
            if ref.text and not lane.findall(f".//{q('lane')}"):  # innermost lane wins
                lanes[ref.text.strip()] = lane.get("name") or lane.get("id")
    for lane in process.iter(q("lane")):
        for ref in lane.findall(q("flowNodeRef")):
            if ref.text:
                lanes.setdefault(ref.text.strip(), lane.get("name") or lane.get("id"))
    return lanes


def read(bpmn_files: dict[str, str], dmn_files: dict[str, str], report: Report) -> Index:
    index = Index()
    for file, text in sorted(bpmn_files.items()):
        root = parse_xml(file, text, report)
        if root is None:
            continue
        if root.tag != q("definitions"):
            report.error("not-bpmn", file, None, None,
                         f"不是 BPMN 2.0 文件（根元素是 <{local(root) or root.tag}>）",
                         f"not a BPMN 2.0 file (root element <{local(root) or root.tag}>)")
            continue
        index.roots[file] = root
        for node in root.findall(q("process")):
            pid = node.get("id")
            if not pid:
                report.error("process-id", file, None, node.get("name"), "流程没有 id", "process has no id")
                continue
            if pid in index.processes:
                other = index.processes[pid].file
                report.error("duplicate-process", file, pid, node.get("name"),
                             f"流程 id 与 {other} 中的流程重复", f"process id also defined in {other}")
                continue
            index.processes[pid] = ProcessInfo(
                id=pid, name=node.get("name") or pid, file=file, node=node,
                executable=(node.get("isExecutable") or "false").strip().lower() == "true",
                lanes=_lanes(node), properties=properties(node))
    for file, text in sorted(dmn_files.items()):
        root = parse_xml(file, text, report)
        if root is None:
            continue
        ns = etree.QName(root).namespace
        if local(root) != "definitions" or ns not in DMN_NAMESPACES:
            report.error("not-dmn", file, None, None, f"不是 DMN 决策表文件（根元素是 <{local(root) or root.tag}>）",
                         f"not a DMN file (root element <{local(root) or root.tag}>)")
            continue
        index.dmn_roots[file] = root
        for node in root.findall(f"{{{ns}}}decision"):
            did = node.get("id")
            if did in index.decisions:
                report.error("duplicate-decision", file, did, node.get("name"),
                             f"决策 id 与 {index.decisions[did][0]} 重复", f"decision id also in {index.decisions[did][0]}")
                continue
            index.decisions[did] = (file, node)
    return index

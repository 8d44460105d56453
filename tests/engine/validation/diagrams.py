"""Small BPMN diagrams written for one validation rule each: a process with a lane and layout for every node."""
from __future__ import annotations

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="Defs_{pid}" targetNamespace="http://zhifa.example/test">\n')


def props(**values) -> str:
    inner = "".join(f'<spiffworkflow:property name="{k}" value="{v}" />' for k, v in values.items())
    return f"<bpmn:extensionElements><spiffworkflow:properties>{inner}</spiffworkflow:properties></bpmn:extensionElements>"


def user_task(tid="Task_a", name="办理", **properties) -> str:
    return f'<bpmn:userTask id="{tid}" name="{name}">{props(**properties) if properties else ""}</bpmn:userTask>'


def process(pid: str, nodes: list[str], *, lane: str | None = "officer", executable=True, di=True,
            process_props: dict | None = None, extra: str = "") -> str:
    """start → nodes… → end, chained by sequence flows; every node in one lane (unless lane=None)."""
    import re
    ids = ["Start_" + pid] + [re.search(r'id="([^"]+)"', n).group(1) for n in nodes] + ["End_" + pid]
    body = [f'<bpmn:startEvent id="{ids[0]}" />', *nodes, f'<bpmn:endEvent id="{ids[-1]}" />']
    flows = [f'<bpmn:sequenceFlow id="F{i}_{pid}" sourceRef="{a}" targetRef="{b}" />'
             for i, (a, b) in enumerate(zip(ids, ids[1:]))]
    lanes = ""
    if lane:
        refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
        lanes = f'<bpmn:laneSet id="LS_{pid}"><bpmn:lane id="Lane_{pid}" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>'
    pp = props(**process_props) if process_props else ""
    xml = HEAD.format(pid=pid) + (f'<bpmn:process id="{pid}" name="测试 {pid}" isExecutable="{str(executable).lower()}">'
                                  f'{pp}{lanes}{"".join(body)}{"".join(flows)}{extra}</bpmn:process>\n')
    if di:
        shapes = "".join(f'<bpmndi:BPMNShape id="{i}_di" bpmnElement="{i}"><dc:Bounds x="{100 + 150 * n}" y="100" '
                         f'width="100" height="80" /></bpmndi:BPMNShape>' for n, i in enumerate(ids))
        edges = "".join(f'<bpmndi:BPMNEdge id="F{n}_{pid}_di" bpmnElement="F{n}_{pid}"><di:waypoint x="{200 + 150 * n}" '
                        f'y="140" /><di:waypoint x="{250 + 150 * n}" y="140" /></bpmndi:BPMNEdge>' for n in range(len(ids) - 1))
        xml += (f'<bpmndi:BPMNDiagram id="D_{pid}"><bpmndi:BPMNPlane id="P_{pid}" bpmnElement="{pid}">{shapes}{edges}'
                f'</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n')
    return xml + "</bpmn:definitions>\n"


FORM = '{"id": "%s", "type": "default", "components": [{"type": "textfield", "key": "note", "label": "备注"}]}'

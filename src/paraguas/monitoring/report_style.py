"""The monitoring report's stylesheet, inlined into every report (no file or font is fetched)."""

from __future__ import annotations

from typing import Final

__all__ = ["CSS"]

CSS: Final = """
:root{--ok:#1a7f37;--warn:#bf8700;--alert:#cf222e;--error:#6e7781;--ink:#1f2328;
--muted:#59636e;--line:#d8dee4;--bg:#f6f8fa;--card:#fff;--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 20px 40px}
h1{font-size:28px;line-height:1.2;margin:0;overflow-wrap:anywhere}
h2{font-size:18px;margin:0 0 12px}h3{font-size:15px;margin:18px 0 8px}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.top{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:flex-end;gap:16px}
.eyebrow{margin:0;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.08em}
.sub{margin:2px 0 0;color:var(--muted);font-size:15px}
.verdict{display:flex;flex-direction:column;align-items:flex-end;gap:8px;margin-left:auto}
.verdict .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.08em}
.counts{display:flex;gap:10px;list-style:none;margin:0;padding:0}
.count .n{font-weight:600}.count.zero{opacity:.45}
.facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:16px 0 0;padding:12px 16px;
background:var(--card);border:1px solid var(--line);border-radius:10px}
.facts dt{font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
.facts dd{margin:0;font-weight:600}
nav{display:flex;flex-wrap:wrap;gap:6px 18px;margin:14px 2px 0;font-size:13px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:18px 20px;margin:16px 0}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:11px;font-weight:700;
color:#fff;text-transform:uppercase;letter-spacing:.04em;line-height:18px;white-space:nowrap}
.badge.big{font-size:18px;padding:4px 18px;line-height:26px}
.s-ok{background:var(--ok)}.s-warn{background:var(--warn)}.s-alert{background:var(--alert)}
.s-error{background:var(--error)}
.muted,.note,.detail,.extra{color:var(--muted)}.detail,.extra{font-size:12px}
.empty{color:var(--muted);background:var(--bg);border:1px dashed var(--line);border-radius:8px;
padding:12px 14px;margin:0}
.good{color:var(--ok);font-weight:600;margin:0}
.attention{list-style:none;margin:0;padding:0}.attention li{padding:4px 0}
.attention .kind{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);
font-weight:600;border-bottom:2px solid var(--line)}
th,td{padding:6px 10px;text-align:left;vertical-align:top}
td{border-bottom:1px solid var(--line)}
.num{text-align:right;white-space:nowrap}
.feature{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;
overflow-wrap:break-word}
tbody tr:hover{background:#f6f8fa}
tr.row-alert td:first-child{box-shadow:inset 3px 0 var(--alert)}
tr.row-warn td:first-child{box-shadow:inset 3px 0 var(--warn)}
tr.row-error td:first-child{box-shadow:inset 3px 0 var(--error)}
.meter{display:inline-block;width:60px;height:8px;background:#eaeef2;border-radius:4px;
margin-right:8px;vertical-align:middle;overflow:hidden}
.meter>span{display:block;height:100%;background:var(--accent)}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}
.card{flex:1 1 240px;border:1px solid var(--line);border-left-width:4px;border-radius:8px;
padding:10px 14px}
.s-edge-ok{border-left-color:var(--ok)}.s-edge-warn{border-left-color:var(--warn)}
.s-edge-alert{border-left-color:var(--alert)}.s-edge-error{border-left-color:var(--error)}
.card-head{display:flex;justify-content:space-between;align-items:center;font-weight:600}
.big-number{font-size:26px;font-weight:600;font-variant-numeric:tabular-nums}
.card p{margin:4px 0 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(280px,100%),1fr));gap:12px}
.grid.wide{grid-template-columns:repeat(auto-fill,minmax(min(440px,100%),1fr))}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px 12px;min-width:0}
figcaption{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;margin-bottom:4px}
figcaption .stat{font-size:12px}
.note{font-size:11px;margin:4px 0 0}
.legend{color:var(--muted);font-size:13px;margin:0 0 12px}
.swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 8px;vertical-align:-1px}
svg.chart{display:block;width:100%;height:auto;overflow:visible}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media (max-width:600px){main{padding:16px 10px 32px}section{padding:14px 12px}
.verdict{align-items:flex-start;margin-left:0}}
@media print{body{background:#fff}section{break-inside:avoid-page;border-color:#bbb}
figure{break-inside:avoid}nav{display:none}}
"""

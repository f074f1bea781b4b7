"""The page's own style and script, inline (the Content-Security-Policy allows exactly these,
by their hashes); the script draws the last run's test table from embedded JSON, a page of
rows at a time, and searches and sorts it."""

from __future__ import annotations

STYLE = """
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1d1d1f;background:#f4f5f7}
header,main{max-width:1240px;margin:0 auto;padding:12px}header h1{margin:0 0 4px;font-size:22px}
h2{font-size:18px;margin:20px 0 8px;border-bottom:1px solid #d0d4da}h3{margin:0 0 2px;font-size:15px}
.row{display:flex;flex-wrap:wrap;gap:12px}.panel{background:#fff;border:1px solid #d9dde3;border-radius:6px;
padding:10px;min-width:0}.w6,.w8{flex:1 1 240px}.w12,.w16,.w18{flex:2 1 420px}.w24{flex:1 1 100%}
.what{margin:0 0 6px;color:#5a6270;font-size:12px}.note{margin:4px 0;color:#5a6270;font-size:12px}
svg{display:block;width:100%;height:auto}.gauge{max-width:260px;margin:auto}.pie{max-width:160px;float:left;margin-right:12px}
.grid{stroke:#e3e6ea}.mark{stroke:#cc79a7;stroke-dasharray:4 3;stroke-width:1.5}.track{fill:none;stroke:#e3e6ea;stroke-width:16}
.target{stroke:#1d1d1f;stroke-width:2}text{font:11px system-ui,sans-serif;fill:#444}.ay,.val{text-anchor:end}
.ax{text-anchor:middle}.big{font-size:26px;font-weight:600;text-anchor:middle;fill:#1d1d1f}
.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.s0{background:#0072b2}.s1{background:#e69f00}.s2{background:#009e73}.s3{background:#cc79a7}.s4{background:#56b4e9}
.s5{background:#d55e00}.s6{background:#f0e442}.s7{background:#000}
.tiles{display:flex;flex-wrap:wrap;gap:8px}.tile{flex:1 1 110px;border:1px solid #e3e6ea;border-radius:4px;padding:6px}
.tile b{display:block;font-size:20px}.tile span{color:#5a6270;font-size:12px;overflow-wrap:anywhere}
.dot{width:10px;float:right}.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;width:100%;font-size:12px}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eceef1;vertical-align:top;overflow-wrap:anywhere}
td.n{text-align:right;white-space:nowrap}th{background:#f7f8fa;white-space:nowrap;overflow-wrap:normal}
#tests{min-width:720px}#tests th{cursor:pointer;user-select:none}
#tests th[aria-sort=ascending]::after{content:" \\25B2"}#tests th[aria-sort=descending]::after{content:" \\25BC"}
.nodata{color:#8c8c8c}pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f8fa;padding:6px;margin:4px 0;
font-size:12px;max-height:260px;overflow:auto}details{border-bottom:1px solid #eceef1;padding:4px 0}
summary{cursor:pointer;overflow-wrap:anywhere}.bad{color:#d73027}.good{color:#1a9850}
input[type=search]{width:100%;max-width:420px;padding:6px;font:inherit;margin:4px 0}
button{font:inherit;padding:4px 12px;margin-top:6px}img.thumb{max-width:160px;height:auto;display:block}
"""

SCRIPT = """
(function(){
var data=JSON.parse(document.getElementById('tests-data').textContent),rows=data.rows,
table=document.getElementById('tests'),body=table.tBodies[0],search=document.getElementById('search'),
count=document.getElementById('count'),more=document.getElementById('more'),page=200,shown=page,key=-1,down=false,
numeric=data.numeric,view=rows;
function refresh(){var q=search.value.toLowerCase();view=q?rows.filter(function(r){
return r.join('\\u0001').toLowerCase().indexOf(q)>=0}):rows.slice();if(key>=0){view.sort(function(a,b){
var x=a[key],y=b[key];if(x===y)return 0;if(x===null)return 1;if(y===null)return -1;
var o=numeric[key]?x-y:String(x).localeCompare(String(y));return down?-o:o})}shown=page;draw()}
function draw(){var frag=document.createDocumentFragment();view.slice(0,shown).forEach(function(r){
var tr=document.createElement('tr');r.forEach(function(v,i){var td=document.createElement('td');
td.textContent=v===null?'':numeric[i]===2?fmt(v):v;if(numeric[i])td.className='n';
if(i===1)td.className='o-'+v;tr.appendChild(td)});frag.appendChild(tr)});body.replaceChildren(frag);
count.textContent=Math.min(shown,view.length)+' of '+view.length+' shown ('+rows.length+' tests)';
more.hidden=shown>=view.length}
function fmt(v){return v<1?Math.round(v*1000)+' ms':v.toFixed(2)+' s'}
Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){th.addEventListener('click',function(){
down=key===i?!down:false;key=i;Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){
o.removeAttribute('aria-sort')});th.setAttribute('aria-sort',down?'descending':'ascending');refresh()})});
search.addEventListener('input',refresh);more.addEventListener('click',function(){shown+=page;draw()});
refresh();document.body.setAttribute('data-ready','1')})();
"""

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>Alerts</name>
    <message>
        <source>红色预警</source>
        <translation>Red alert</translation>
    </message>
    <message>
        <source>黄色预警</source>
        <translation>Yellow alert</translation>
    </message>
    <message>
        <source>蓝色预警</source>
        <translation>Blue alert</translation>
    </message>
</context>
<context>
    <name>AlertsPanel</name>
    <message>
        <source>全部等级</source>
        <translation>All levels</translation>
    </message>
    <message>
        <source>在地图上标出</source>
        <translation>Mark on the map</translation>
    </message>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>等级</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>现属乡镇</source>
        <translation>Current township</translation>
    </message>
    <message>
        <source>房号</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>全部乡镇</source>
        <translation>All townships</translation>
    </message>
    <message>
        <source>没有预警数据。</source>
        <translation>No alert data.</translation>
    </message>
    <message>
        <source>红 %1 · 黄 %2 · 蓝 %3 户；显示 %4 户</source>
        <translation>Red %1 · yellow %2 · blue %3 households; %4 shown</translation>
    </message>
    <message>
        <source>轮候</source>
        <translation>Waiting</translation>
    </message>
</context>
<context>
    <name>Categories</name>
    <message>
        <source>易地扶贫搬迁</source>
        <translation>Poverty relocation</translation>
    </message>
    <message>
        <source>工程搬迁</source>
        <translation>Project relocation</translation>
    </message>
    <message>
        <source>生态移民</source>
        <translation>Ecological migration</translation>
    </message>
    <message>
        <source>退役军人</source>
        <translation>Retired soldiers</translation>
    </message>
</context>
<context>
    <name>Changes</name>
    <message>
        <source>退出</source>
        <translation>Exited</translation>
    </message>
    <message>
        <source>新分配</source>
        <translation>Newly allocated</translation>
    </message>
    <message>
        <source>调换住房</source>
        <translation>Moved to another unit</translation>
    </message>
    <message>
        <source>失去原分配房屋，重新轮候</source>
        <translation>Lost the allocated unit, back on the waiting list</translation>
    </message>
    <message>
        <source>学位或卫生服务变动</source>
        <translation>School or clinic place changed</translation>
    </message>
    <message>
        <source>家庭人口变化，保留原房屋</source>
        <translation>size changed, unit kept</translation>
    </message>
</context>
<context>
    <name>ChangesPanel</name>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>变动</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>原房号</source>
        <translation>Unit before</translation>
    </message>
    <message>
        <source>新房号</source>
        <translation>Unit after</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>还没有重新分配：确认退出后运行“重新分配”，这里只列出有变动的户。</source>
        <translation>No reallocation yet: after confirming exits, run Reallocate; only the households that change are listed here.</translation>
    </message>
    <message>
        <source>本次重新分配没有变动任何户（腾出房屋 %1 套），各户的住房和学位不变。</source>
        <translation>This reallocation changed no household (%1 units freed); every household keeps its unit and places.</translation>
    </message>
    <message>
        <source>上次重新分配变动 %1 户，其余各户的住房和学位不变。</source>
        <translation>The last reallocation changed %1 households; every other household keeps its unit and places.</translation>
    </message>
    <message>
        <source>其中：%1。</source>
        <translation>Of these: %1.</translation>
    </message>
    <message>
        <source>，</source>
        <translation>, </translation>
    </message>
    <message>
        <source>腾出房屋 %1 套。</source>
        <translation>%1 units freed.</translation>
    </message>
    <message>
        <source>本次允许调换住房。</source>
        <translation>Moves were allowed this time.</translation>
    </message>
    <message>
        <source>轮候</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>已退出</source>
        <translation>Exited</translation>
    </message>
</context>
<context>
    <name>ChartsPanel</name>
    <message>
        <source>按安置类别的覆盖率</source>
        <translation>Coverage by resettlement category</translation>
    </message>
    <message>
        <source>按原居住乡镇的覆盖率</source>
        <translation>Coverage by township of origin</translation>
    </message>
    <message>
        <source>步行距离分布（红色虚线为服务半径）</source>
        <translation>Walking distances (red dashed line: catchment)</translation>
    </message>
    <message>
        <source>%1 人</source>
        <translation>%1 people</translation>
    </message>
    <message>
        <source>平均 %1 m</source>
        <translation>mean %1 m</translation>
    </message>
    <message>
        <source>还没有分配结果。</source>
        <translation>No allocation yet.</translation>
    </message>
    <message>
        <source>幼儿园</source>
        <translation>Kindergarten</translation>
    </message>
    <message>
        <source>小学</source>
        <translation>Primary school</translation>
    </message>
    <message>
        <source>初中</source>
        <translation>Junior middle school</translation>
    </message>
    <message>
        <source>卫生服务</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>合计</source>
        <translation>All</translation>
    </message>
    <message>
        <source>无已安置人口</source>
        <translation>nobody housed</translation>
    </message>
    <message>
        <source>（未填）</source>
        <translation>(blank)</translation>
    </message>
</context>
<context>
    <name>CheckPage</name>
    <message>
        <source>预览与检查</source>
        <translation>Preview and checks</translation>
    </message>
    <message>
        <source>检查身份证号、户主、坐标、面积、状态等；有错误时不能导入。</source>
        <translation>ID numbers, heads of household, coordinates, areas, statuses and more are checked; files with errors cannot be imported.</translation>
    </message>
    <message>
        <source>正在读取……</source>
        <translation>Reading…</translation>
    </message>
    <message>
        <source>问题</source>
        <translation>Problems</translation>
    </message>
    <message>
        <source>正在读取和检查文件……</source>
        <translation>Reading and checking the files…</translation>
    </message>
    <message>
        <source>正在读取：%1</source>
        <translation>Reading: %1</translation>
    </message>
    <message>
        <source>级别</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>行</source>
        <translation>Row</translation>
    </message>
    <message>
        <source>列</source>
        <translation>Column</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>错误</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>警告</source>
        <translation>Warning</translation>
    </message>
    <message>
        <source>发现 %1 个错误、%2 个警告，不能导入。请按“问题”表中的文件、行和列更正数据后重新导入；不会写入任何文件。</source>
        <translation>%1 error(s) and %2 warning(s) found; the files cannot be imported. Correct the data at the file, row and column listed under &quot;Problems&quot; and import again. Nothing has been written.</translation>
    </message>
    <message>
        <source>检查通过：%1 户、%2 人、%3 套房、%4 处设施、%5 个安置点；%6 个警告。点击“下一步”选择项目文件的保存位置。</source>
        <translation>Checks passed: %1 households, %2 people, %3 units, %4 facilities, %5 sites; %6 warning(s). Click &quot;Next&quot; to choose where the project file is saved.</translation>
    </message>
    <message>
        <source>安置户</source>
        <translation>Households</translation>
    </message>
    <message>
        <source>家庭成员</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>安置房</source>
        <translation>Housing units</translation>
    </message>
    <message>
        <source>设施</source>
        <translation>Facilities</translation>
    </message>
    <message>
        <source>读取文件时出错：%1。请检查文件格式和编码。</source>
        <translation>Error while reading the files: %1. Check the file format and text encoding.</translation>
    </message>
</context>
<context>
    <name>Choices</name>
    <message>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>否</source>
        <translation>No</translation>
    </message>
    <message>
        <source>既有安置</source>
        <translation>Housed earlier</translation>
    </message>
    <message>
        <source>本次分配</source>
        <translation>Housed now</translation>
    </message>
    <message>
        <source>轮候</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>已退出</source>
        <translation>Exited</translation>
    </message>
    <message>
        <source>未分配</source>
        <translation>Not allocated</translation>
    </message>
    <message>
        <source>空置</source>
        <translation>Vacant</translation>
    </message>
    <message>
        <source>已入住</source>
        <translation>Occupied</translation>
    </message>
    <message>
        <source>预留</source>
        <translation>Reserved</translation>
    </message>
    <message>
        <source>维修中</source>
        <translation>Under repair</translation>
    </message>
    <message>
        <source>幼儿园</source>
        <translation>Kindergarten</translation>
    </message>
    <message>
        <source>小学</source>
        <translation>Primary school</translation>
    </message>
    <message>
        <source>初中</source>
        <translation>Junior middle school</translation>
    </message>
    <message>
        <source>卫生服务</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>男</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>女</source>
        <translation>Female</translation>
    </message>
</context>
<context>
    <name>Columns</name>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>户主</source>
        <translation>Head</translation>
    </message>
    <message>
        <source>人数</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>安置类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>优先级得分</source>
        <translation>Priority points</translation>
    </message>
    <message>
        <source>分配结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>房号</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>原居住乡镇</source>
        <translation>Origin township</translation>
    </message>
    <message>
        <source>原居住村</source>
        <translation>Origin village</translation>
    </message>
    <message>
        <source>现属乡镇</source>
        <translation>Current township</translation>
    </message>
    <message>
        <source>年收入（元）</source>
        <translation>Income (yuan/yr)</translation>
    </message>
    <message>
        <source>稳定就业年限</source>
        <translation>Stable job (years)</translation>
    </message>
    <message>
        <source>轮候登记日期</source>
        <translation>Waiting since</translation>
    </message>
    <message>
        <source>需无障碍住房</source>
        <translation>Needs accessible unit</translation>
    </message>
    <message>
        <source>意向安置点</source>
        <translation>Preferred sites</translation>
    </message>
    <message>
        <source>低楼层意愿</source>
        <translation>Asks for a low floor</translation>
    </message>
    <message>
        <source>成员编号</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>与户主关系</source>
        <translation>Relationship</translation>
    </message>
    <message>
        <source>性别</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>出生日期</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>年龄</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>残疾</source>
        <translation>Disability</translation>
    </message>
    <message>
        <source>学校</source>
        <translation>School</translation>
    </message>
    <message>
        <source>卫生服务</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>安置点编号</source>
        <translation>Site</translation>
    </message>
    <message>
        <source>楼栋</source>
        <translation>Building</translation>
    </message>
    <message>
        <source>楼层</source>
        <translation>Floor</translation>
    </message>
    <message>
        <source>面积（m²）</source>
        <translation>Area (m²)</translation>
    </message>
    <message>
        <source>无障碍</source>
        <translation>Accessible</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>现住户号</source>
        <translation>Occupant</translation>
    </message>
    <message>
        <source>入住日期</source>
        <translation>Moved in</translation>
    </message>
    <message>
        <source>本次分配户号</source>
        <translation>Allocated to</translation>
    </message>
    <message>
        <source>设施编号</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>原始类型</source>
        <translation>Type as given</translation>
    </message>
    <message>
        <source>容量</source>
        <translation>Capacity</translation>
    </message>
    <message>
        <source>已分配</source>
        <translation>Placed</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
</context>
<context>
    <name>ErrorChannel</name>
    <message>
        <source>项目文件 %1 或其所在文件夹是只读的，无法保存到那里。</source>
        <translation>The project file %1 or its folder is read-only; the project cannot be saved there.</translation>
    </message>
    <message>
        <source>请用“文件 &gt; 另存为”把项目保存到有写入权限的文件夹；修改仍在窗口中，未丢失。</source>
        <translation>Use File &gt; Save As to save the project in a folder you can write to; your changes are still in the window.</translation>
    </message>
    <message>
        <source>项目文件 %1 已损坏，无法读取。</source>
        <translation>The project file %1 is damaged and cannot be read.</translation>
    </message>
    <message>
        <source>请打开该项目的备份副本；原先打开的项目不受影响。</source>
        <translation>Open a backup copy of the project; the project open before is not affected.</translation>
    </message>
    <message>
        <source>窗口自动保存的未保存修改在：%1</source>
        <translation> Unsaved changes autosaved by the window are in: %1</translation>
    </message>
    <message>
        <source>所选文件 %1 不是本软件的项目文件。</source>
        <translation>The file %1 is not a project file of this tool.</translation>
    </message>
    <message>
        <source>请打开本软件保存的 .gpkg 项目文件；新建项目请用“导入向导”。</source>
        <translation>Open a .gpkg project file saved by this tool; to start a new project, use the Import Wizard.</translation>
    </message>
    <message>
        <source>项目文件 %1 正被另一个程序使用。</source>
        <translation>The project file %1 is in use by another program.</translation>
    </message>
    <message>
        <source>请等待该程序结束，或在那里关闭该文件后重试。</source>
        <translation>Wait for that program to finish, or close the file there, and try again.</translation>
    </message>
    <message>
        <source>无法打开或保存项目：%1</source>
        <translation>The project cannot be opened or saved: %1</translation>
    </message>
    <message>
        <source>请检查文件是否为本软件的项目文件（.gpkg）；新建项目请用“导入向导”。</source>
        <translation>Check that the file is a project file of this program (.gpkg); to create a project, use the import wizard.</translation>
    </message>
    <message>
        <source>方案无法求解：%1</source>
        <translation>The scenario cannot be solved: %1</translation>
    </message>
    <message>
        <source>请按上面的提示处理后再求解方案。</source>
        <translation>Do what the message above says, then solve the scenario again.</translation>
    </message>
    <message>
        <source>无法导出：%1</source>
        <translation>Cannot export: %1</translation>
    </message>
    <message>
        <source>请先运行“分配”，得到可行的分配结果后再导出。</source>
        <translation>Run &quot;Allocate&quot; first; export once there is a feasible allocation.</translation>
    </message>
    <message>
        <source>导出停止：有字符无法打印。%1</source>
        <translation>Export stopped: a character cannot be printed. %1</translation>
    </message>
    <message>
        <source>请在成员表中更正该姓名，或用环境变量 ALLOCATOR_PDF_FONT 指定含该字的字体。</source>
        <translation>Correct the name in the members table, or point the environment variable ALLOCATOR_PDF_FONT at a font that has the character.</translation>
    </message>
    <message>
        <source>导出已取消，未写入文件。</source>
        <translation>Export cancelled; no file was written.</translation>
    </message>
    <message>
        <source>需要时请重新导出。</source>
        <translation>Export again when needed.</translation>
    </message>
    <message>
        <source>没有权限访问文件：%1</source>
        <translation>No permission to use the file: %1</translation>
    </message>
    <message>
        <source>请另选一个有写入权限的文件夹，或关闭正在使用该文件的程序（例如 Excel）。</source>
        <translation>Choose a folder you may write to, or close the program that has the file open (Excel, for example).</translation>
    </message>
    <message>
        <source>找不到文件：%1</source>
        <translation>File not found: %1</translation>
    </message>
    <message>
        <source>请检查路径；文件可能已被移动或删除。</source>
        <translation>Check the path; the file may have been moved or deleted.</translation>
    </message>
    <message>
        <source>读写文件出错：%1</source>
        <translation>Error reading or writing a file: %1</translation>
    </message>
    <message>
        <source>请检查路径、磁盘剩余空间和权限。</source>
        <translation>Check the path, the free disk space and the permissions.</translation>
    </message>
    <message>
        <source>内存不足，任务已停止。</source>
        <translation>Not enough memory; the job was stopped.</translation>
    </message>
    <message>
        <source>请关闭其他程序，或改用 HiGHS 求解器后重试。</source>
        <translation>Close other programs, or choose the HiGHS solver, and try again.</translation>
    </message>
    <message>
        <source>意外错误：%1: %2</source>
        <translation>Unexpected error: %1: %2</translation>
    </message>
    <message>
        <source>请重试；如仍出错，请把日志文件发给技术支持。</source>
        <translation>Try again; if the error persists, send the log file to technical support.</translation>
    </message>
    <message>
        <source>%1：%2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>出错了</source>
        <translation>Something went wrong</translation>
    </message>
    <message>
        <source>完整的错误记录已写入日志文件：
%1</source>
        <translation>The full error report was written to the log file:
%1</translation>
    </message>
    <message>
        <source>打开日志文件夹</source>
        <translation>Open log folder</translation>
    </message>
</context>
<context>
    <name>ExitReviewDialog</name>
    <message>
        <source>退出审核</source>
        <translation>Exit review</translation>
    </message>
    <message>
        <source>只显示符合退出条件的户</source>
        <translation>Only households that qualify for exit</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>房号</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>现属乡镇</source>
        <translation>Current township</translation>
    </message>
    <message>
        <source>人数</source>
        <translation>People</translation>
    </message>
    <message>
        <source>人均年收入</source>
        <translation>Income per person</translation>
    </message>
    <message>
        <source>稳定就业年限</source>
        <translation>Years in a stable job</translation>
    </message>
    <message>
        <source>依据</source>
        <translation>Grounds</translation>
    </message>
    <message>
        <source>说明（可不填：默认记入退出依据）</source>
        <translation>Note (optional; the grounds are recorded by default)</translation>
    </message>
    <message>
        <source>确认勾选的户</source>
        <translation>Confirm ticked households</translation>
    </message>
    <message>
        <source>确认全部符合条件的户</source>
        <translation>Confirm all who qualify</translation>
    </message>
    <message>
        <source>过渡期满、腾退日期</source>
        <translation>Transition ends, unit freed on</translation>
    </message>
    <message>
        <source>已入住 %1 户，其中 %2 户符合退出条件（收入超过全县人均且稳定就业年限达标，以及规划人员添加的条件）。确认后该户退出，房屋在腾退日期变为空置，可重新分配给轮候户。</source>
        <translation>%1 households live in a unit; %2 qualify for exit (income above the county average, enough years in a stable job, and any conditions the planner added). A confirmed household leaves the programme; its unit becomes vacant on the date and can go to the waiting list.</translation>
    </message>
    <message>
        <source>请先勾选要确认退出的户。</source>
        <translation>Tick the households to confirm first.</translation>
    </message>
    <message>
        <source>没有符合退出条件的户。</source>
        <translation>No household qualifies for exit.</translation>
    </message>
</context>
<context>
    <name>ExplanationPanel</name>
    <message>
        <source>幼儿园</source>
        <translation>Kindergarten</translation>
    </message>
    <message>
        <source>小学</source>
        <translation>Primary school</translation>
    </message>
    <message>
        <source>初中</source>
        <translation>Junior middle school</translation>
    </message>
    <message>
        <source>卫生服务</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>在安置户表或地图上选择一户，这里说明为什么分到这套房、这所学校和这个卫生服务点，或者为什么仍在轮候。</source>
        <translation>Select a household in the households table or on the map; this panel explains why it got its unit, school and clinic, or why it is still waiting.</translation>
    </message>
    <message>
        <source>户号 %1 不在项目中。</source>
        <translation>Household %1 is not in the project.</translation>
    </message>
    <message>
        <source>既有安置</source>
        <translation>Housed earlier</translation>
    </message>
    <message>
        <source>本次分配</source>
        <translation>Housed now</translation>
    </message>
    <message>
        <source>轮候</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>户号 %1 · 户主 %2</source>
        <translation>Household %1 · head %2</translation>
    </message>
    <message>
        <source>%1人 · %2 · 优先级得分 %3</source>
        <translation>%1 people · %2 · priority points %3</translation>
    </message>
    <message>
        <source>尚未分配：运行“分配”后，这里显示分配结果和原因。</source>
        <translation>Not allocated yet: after &quot;Allocate&quot;, the result and its reasons appear here.</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>%1：</source>
        <translation>%1:</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>否</source>
        <translation>No</translation>
    </message>
    <message>
        <source>住房</source>
        <translation>Housing</translation>
    </message>
    <message>
        <source>%1 %2 %3，%4层，%5 m²，无障碍：%6</source>
        <translation>%1 %2 %3, floor %4, %5 m², accessible: %6</translation>
    </message>
    <message>
        <source>成员</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>服务</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>设施</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>步行</source>
        <translation>Walk</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>无</source>
        <translation>none</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>导出分配通知书和Excel</source>
        <translation>Export allocation orders and Excel</translation>
    </message>
    <message>
        <source>哪些户</source>
        <translation>Households</translation>
    </message>
    <message>
        <source>全部安置户（%1 户）</source>
        <translation>All households (%1)</translation>
    </message>
    <message>
        <source>安置户表中选中的户（%1 户）</source>
        <translation>Households selected in the table (%1)</translation>
    </message>
    <message>
        <source>上次重新分配有变动的户（%1 户）</source>
        <translation>Households changed by the last reallocation (%1)</translation>
    </message>
    <message>
        <source>提示：先在安置户表中选中若干行，可只导出这些户。</source>
        <translation>Tip: select rows in the households table first to export only those households.</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>分配通知书（PDF，每户一页）</source>
        <translation>Allocation orders (PDF, one page per household)</translation>
    </message>
    <message>
        <source>分配结果台账（Excel）</source>
        <translation>Allocation ledger (Excel)</translation>
    </message>
    <message>
        <source>公示名单（PDF，新分配住房的户，姓名和身份证号部分隐藏）</source>
        <translation>Public notice (PDF: newly housed households, names and ID numbers partly hidden)</translation>
    </message>
    <message>
        <source>浏览…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>准备就绪。</source>
        <translation>Ready.</translation>
    </message>
    <message>
        <source>注意：本分配由在时间上限内未求出界的求解得出（无差距），某一目标层可能离最优较远；打印通知书前请不设时间上限重新求解。</source>
        <translation>Note: this allocation was made by a solve that the time limit stopped before a level&apos;s bound (no gap), so a level may be far from its best; solve again without a time limit before printing orders.</translation>
    </message>
    <message>
        <source>分配规则</source>
        <translation>allocation rules</translation>
    </message>
    <message>
        <source>锁定</source>
        <translation>locks</translation>
    </message>
    <message>
        <source>分配规则和锁定</source>
        <translation>the allocation rules and the locks</translation>
    </message>
    <message>
        <source>注意：本分配完成后修改过%1（台账第 %2 条，%3），通知书仍按原分配打印；要按修改后的%1分配，请先重新求解。</source>
        <translation>Note: the %1 changed after this allocation was made (ledger entry %2, %3); the orders print the allocation as it was made. To allocate under the changed %1, solve again first.</translation>
    </message>
    <message>
        <source>打开所在文件夹</source>
        <translation>Open folder</translation>
    </message>
    <message>
        <source>导出</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>取消导出</source>
        <translation>Cancel export</translation>
    </message>
    <message>
        <source>保存为</source>
        <translation>Save as</translation>
    </message>
    <message>
        <source>请至少选择一种文件。</source>
        <translation>Choose at least one file.</translation>
    </message>
    <message>
        <source>正在准备……</source>
        <translation>Preparing…</translation>
    </message>
    <message>
        <source>正在取消……</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>分配通知书：%1 / %2 户</source>
        <translation>Allocation orders: %1 / %2 households</translation>
    </message>
    <message>
        <source>正在写入公示名单……</source>
        <translation>Writing the public notice…</translation>
    </message>
    <message>
        <source>正在写入 Excel……</source>
        <translation>Writing the Excel workbook…</translation>
    </message>
    <message>
        <source>已写入：%1</source>
        <translation>Written: %1</translation>
    </message>
    <message>
        <source>导出已取消，没有写入文件。</source>
        <translation>Export cancelled; no file was written.</translation>
    </message>
</context>
<context>
    <name>FilesPage</name>
    <message>
        <source>选择文件</source>
        <translation>Choose files</translation>
    </message>
    <message>
        <source>登记表每人一行（户号相同为一户）；安置点、安置房和设施可以是 GeoPackage、GeoJSON、Shapefile，或带经度/纬度列的 CSV/Excel。</source>
        <translation>The register has one row per person (rows with the same household number form a household); sites, units and facilities may be GeoPackage, GeoJSON, Shapefile, or CSV/Excel with longitude/latitude columns.</translation>
    </message>
    <message>
        <source>登记表（必填）</source>
        <translation>Register (required)</translation>
    </message>
    <message>
        <source>安置点（必填）</source>
        <translation>Sites (required)</translation>
    </message>
    <message>
        <source>安置房（必填）</source>
        <translation>Housing units (required)</translation>
    </message>
    <message>
        <source>公共服务设施（必填）</source>
        <translation>Facilities (required)</translation>
    </message>
    <message>
        <source>县界（可选）</source>
        <translation>County boundary (optional)</translation>
    </message>
    <message>
        <source>浏览…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>例如 EPSG:4490；只用于没有坐标系的文件</source>
        <translation>e.g. EPSG:4490; used only for files without a CRS</translation>
    </message>
    <message>
        <source>CGCS2000（默认）</source>
        <translation>CGCS2000 (default)</translation>
    </message>
    <message>
        <source>GCJ-02（高德、腾讯地图）</source>
        <translation>GCJ-02 (Amap, Tencent Maps)</translation>
    </message>
    <message>
        <source>BD-09（百度地图）</source>
        <translation>BD-09 (Baidu Maps)</translation>
    </message>
    <message>
        <source>自动识别（UTF-8 或 GBK）</source>
        <translation>Detect (UTF-8 or GBK)</translation>
    </message>
    <message>
        <source>坐标系</source>
        <translation>CRS</translation>
    </message>
    <message>
        <source>经纬度列的坐标系</source>
        <translation>System of lon/lat columns</translation>
    </message>
    <message>
        <source>文本编码</source>
        <translation>Text encoding</translation>
    </message>
    <message>
        <source>填入示例县（昭觉县）的文件</source>
        <translation>Fill in the sample county (Zhaojue) files</translation>
    </message>
    <message>
        <source>数据文件 (*.xlsx *.xlsm *.csv *.txt *.gpkg *.geojson *.json *.shp)</source>
        <translation>Data files (*.xlsx *.xlsm *.csv *.txt *.gpkg *.geojson *.json *.shp)</translation>
    </message>
</context>
<context>
    <name>FrameTableModel</name>
    <message>
        <source>可编辑：双击单元格修改，Ctrl+Z 撤销</source>
        <translation>Editable: double-click a cell to change it, Ctrl+Z to undo</translation>
    </message>
    <message>
        <source>身份证号：18位，最后一位可为X；须与出生日期和性别一致</source>
        <translation>ID number: 18 characters, the last may be X; must agree with the birth date and sex</translation>
    </message>
    <message>
        <source>%1 %2 的“%3”未修改：%4</source>
        <translation>%1 %2: &quot;%3&quot; not changed: %4</translation>
    </message>
    <message>
        <source>修改 %1 的%2</source>
        <translation>Change %2 of %1</translation>
    </message>
    <message>
        <source>请填写一个数</source>
        <translation>enter a number</translation>
    </message>
    <message>
        <source>“%1”不是数字</source>
        <translation>&quot;%1&quot; is not a number</translation>
    </message>
    <message>
        <source>请填写整数</source>
        <translation>enter a whole number</translation>
    </message>
    <message>
        <source>须在 %1 到 %2 之间</source>
        <translation>must be between %1 and %2</translation>
    </message>
    <message>
        <source>请选择“是”或“否”</source>
        <translation>choose Yes or No</translation>
    </message>
    <message>
        <source>出生日期不能为空</source>
        <translation>the birth date cannot be empty</translation>
    </message>
    <message>
        <source>“%1”不是日期，请按 YYYY-MM-DD 填写</source>
        <translation>&quot;%1&quot; is not a date; write it as YYYY-MM-DD</translation>
    </message>
    <message>
        <source>日期不能晚于今天</source>
        <translation>the date cannot be later than today</translation>
    </message>
    <message>
        <source>“%1”不是可选值</source>
        <translation>&quot;%1&quot; is not one of the allowed values</translation>
    </message>
    <message>
        <source>该房已有住户；迁出需在登记表和房源表中办理后重新导入</source>
        <translation>the unit is occupied; record the move-out in the register and the units file, then import again</translation>
    </message>
    <message>
        <source>登记入住需要现住户号；请用分配结果或重新导入房源表</source>
        <translation>moving in needs the occupant&apos;s household number; use the allocation or import the units file again</translation>
    </message>
    <message>
        <source>名称不能为空</source>
        <translation>the name cannot be empty</translation>
    </message>
    <message>
        <source>不能为空</source>
        <translation>cannot be empty</translation>
    </message>
    <message>
        <source>姓名不能为空</source>
        <translation>the name cannot be empty</translation>
    </message>
    <message>
        <source>无残疾请填写“无”</source>
        <translation>write 无 for no disability</translation>
    </message>
    <message>
        <source>请填写与户主关系，户主填写“户主”</source>
        <translation>enter the relationship to the head; write 户主 for the head</translation>
    </message>
    <message>
        <source>每户必须有且只有一位户主；更换户主请在登记表中修改后重新导入</source>
        <translation>every household has exactly one head; to change the head, edit the register and import again</translation>
    </message>
    <message>
        <source>身份证号有误：%1</source>
        <translation>the ID number is wrong: %1</translation>
    </message>
    <message>
        <source>与成员 %1 的身份证号重复</source>
        <translation>same ID number as member %1</translation>
    </message>
    <message>
        <source>与身份证号中的出生日期不一致（%1）</source>
        <translation>differs from the birth date in the ID number (%1)</translation>
    </message>
    <message>
        <source>与身份证号第17位表示的性别不一致（%1）</source>
        <translation>differs from the sex given by the 17th digit of the ID number (%1)</translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>事项</source>
        <translation>Entry</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>操作人</source>
        <translation>User</translation>
    </message>
    <message>
        <source>回访</source>
        <translation>Follow-up visit</translation>
    </message>
    <message>
        <source>应访日期</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>回访日期</source>
        <translation>Visited on</translation>
    </message>
    <message>
        <source>回访人</source>
        <translation>Visitor</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>在安置户表、地图或预警列表中选择一户，这里列出它的台账记录、收入就业、投诉信访和回访。</source>
        <translation>Select a household in the households table, on the map or in the alerts; its ledger entries, income and job records, complaints and petitions, and follow-up visits are listed here.</translation>
    </message>
    <message>
        <source>户号 %1 的档案：%2 条记录</source>
        <translation>History of household %1: %2 records</translation>
    </message>
    <message>
        <source>%1（%2天）</source>
        <translation>%1 (%2 days)</translation>
    </message>
    <message>
        <source>%1个月</source>
        <translation>%1 months</translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <source>导入向导：新建项目</source>
        <translation>Import wizard: new project</translation>
    </message>
    <message>
        <source>下一步 &gt;</source>
        <translation>Next &gt;</translation>
    </message>
    <message>
        <source>&lt; 上一步</source>
        <translation>&lt; Back</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>文件已存在</source>
        <translation>File exists</translation>
    </message>
    <message>
        <source>%1 已存在。要替换它吗？</source>
        <translation>%1 already exists. Replace it?</translation>
    </message>
    <message>
        <source>正在保存……</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>保存项目</source>
        <translation>Save project</translation>
    </message>
</context>
<context>
    <name>KpiPanel</name>
    <message>
        <source>短缺说明（按楼栋）</source>
        <translation>Shortages by building</translation>
    </message>
    <message>
        <source>安置户</source>
        <translation>Households</translation>
    </message>
    <message>
        <source>&#x3000;既有安置</source>
        <translation>  housed earlier</translation>
    </message>
    <message>
        <source>&#x3000;本次分配</source>
        <translation>  housed now</translation>
    </message>
    <message>
        <source>&#x3000;轮候</source>
        <translation>  waiting</translation>
    </message>
    <message>
        <source>&#x3000;已退出</source>
        <translation>  exited</translation>
    </message>
    <message>
        <source>&#x3000;分配后登记</source>
        <translation>  registered since</translation>
    </message>
    <message>
        <source>已安置人口</source>
        <translation>Residents housed</translation>
    </message>
    <message>
        <source>&#x3000;既有安置户缺学位或卫生服务（人）</source>
        <translation>  housed earlier, without a place (people)</translation>
    </message>
    <message>
        <source>幼儿园学位</source>
        <translation>Kindergarten places</translation>
    </message>
    <message>
        <source>小学学位</source>
        <translation>Primary places</translation>
    </message>
    <message>
        <source>初中学位</source>
        <translation>Junior middle places</translation>
    </message>
    <message>
        <source>卫生服务登记</source>
        <translation>Clinic registered</translation>
    </message>
    <message>
        <source>平均步行（米）</source>
        <translation>Mean walk (m)</translation>
    </message>
    <message>
        <source>最远步行（米）</source>
        <translation>Longest walk (m)</translation>
    </message>
    <message>
        <source>同户子女分校</source>
        <translation>Sibling splits</translation>
    </message>
    <message>
        <source>第一志愿</source>
        <translation>First choice met</translation>
    </message>
    <message>
        <source>任一志愿</source>
        <translation>Any ranked site met</translation>
    </message>
    <message>
        <source>低楼层意愿满足</source>
        <translation>Low floor granted</translation>
    </message>
    <message>
        <source>同村同点村组</source>
        <translation>Village groups together</translation>
    </message>
    <message>
        <source>&#x3000;同村同点户数</source>
        <translation>  Households with their group</translation>
    </message>
    <message>
        <source>还没有分配结果。点击工具栏上的“分配”开始求解。</source>
        <translation>No allocation yet. Click &quot;Allocate&quot; on the toolbar to solve.</translation>
    </message>
    <message>
        <source>合计</source>
        <translation>All</translation>
    </message>
    <message>
        <source>求解状态：%1 · 求解器 %2 · 用时 %3 秒 · 差距 %4 · 抽签种子 %5 · 运行 %6</source>
        <translation>Status: %1 · solver %2 · %3 s · gap %4 · lottery seed %5 · run %6</translation>
    </message>
    <message>
        <source>选项：%1</source>
        <translation>Options: %1</translation>
    </message>
    <message>
        <source>（本版本不提供短缺说明）</source>
        <translation>(this version gives no shortage explanations)</translation>
    </message>
    <message>
        <source>无法计算短缺说明：%1</source>
        <translation>Shortages could not be explained: %1</translation>
    </message>
    <message>
        <source>已安置的户都有学位和卫生服务登记。</source>
        <translation>Every housed household has its school places and clinic registration.</translation>
    </message>
</context>
<context>
    <name>Ledger</name>
    <message>
        <source>导入</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>升级项目文件</source>
        <translation>Project file upgraded</translation>
    </message>
    <message>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>撤销编辑</source>
        <translation>Edit undone</translation>
    </message>
    <message>
        <source>修改规则</source>
        <translation>Rules changed</translation>
    </message>
    <message>
        <source>锁定</source>
        <translation>Lock</translation>
    </message>
    <message>
        <source>撤销锁定</source>
        <translation>Lock undone</translation>
    </message>
    <message>
        <source>分配</source>
        <translation>Allocate</translation>
    </message>
    <message>
        <source>重新分配</source>
        <translation>Reallocate</translation>
    </message>
    <message>
        <source>导出</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>恢复自动保存</source>
        <translation>Autosave recovered</translation>
    </message>
    <message>
        <source>确认退出</source>
        <translation>Exit confirmed</translation>
    </message>
    <message>
        <source>撤销退出</source>
        <translation>Exit undone</translation>
    </message>
    <message>
        <source>入住</source>
        <translation>moved in</translation>
    </message>
    <message>
        <source>分配结果：本次分配</source>
        <translation>allocation: housed now</translation>
    </message>
    <message>
        <source>分配结果：轮候</source>
        <translation>allocation: waiting</translation>
    </message>
    <message>
        <source>分配结果：既有安置</source>
        <translation>allocation: housed earlier</translation>
    </message>
    <message>
        <source>腾退房源</source>
        <translation>Unit freed</translation>
    </message>
    <message>
        <source>更新户籍登记</source>
        <translation>Register updated</translation>
    </message>
    <message>
        <source>公示名单</source>
        <translation>Public notice</translation>
    </message>
    <message>
        <source>台账</source>
        <translation>Ledger</translation>
    </message>
    <message>
        <source>收入就业</source>
        <translation>Income and job</translation>
    </message>
    <message>
        <source>投诉信访</source>
        <translation>Complaint or petition</translation>
    </message>
    <message>
        <source>回访</source>
        <translation>Follow-up visit</translation>
    </message>
    <message>
        <source>分配结果</source>
        <translation>Allocation</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Exited</translation>
    </message>
    <message>
        <source>已回访</source>
        <translation>Visited</translation>
    </message>
    <message>
        <source>待回访</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>逾期未访</source>
        <translation>Overdue</translation>
    </message>
</context>
<context>
    <name>Legend</name>
    <message>
        <source>图例</source>
        <translation>Legend</translation>
    </message>
    <message>
        <source>显示或收起图例</source>
        <translation>Show or hide the legend</translation>
    </message>
    <message>
        <source>县界</source>
        <translation>County boundary</translation>
    </message>
    <message>
        <source>安置点</source>
        <translation>Sites</translation>
    </message>
    <message>
        <source>楼栋：有空置房</source>
        <translation>Building: vacant units</translation>
    </message>
    <message>
        <source>楼栋：本次有分配</source>
        <translation>Building: units allocated now</translation>
    </message>
    <message>
        <source>楼栋：已满</source>
        <translation>Building: full</translation>
    </message>
    <message>
        <source>幼儿园</source>
        <translation>Kindergarten</translation>
    </message>
    <message>
        <source>小学</source>
        <translation>Primary school</translation>
    </message>
    <message>
        <source>初中</source>
        <translation>Junior middle school</translation>
    </message>
    <message>
        <source>卫生室／卫生服务中心</source>
        <translation>Clinic / health centre</translation>
    </message>
    <message>
        <source>服务半径圈（虚线）</source>
        <translation>Catchments (dashed)</translation>
    </message>
    <message>
        <source>幼</source>
        <translation>K</translation>
    </message>
    <message>
        <source>小</source>
        <translation>P</translation>
    </message>
    <message>
        <source>初</source>
        <translation>J</translation>
    </message>
    <message>
        <source>卫</source>
        <translation>C</translation>
    </message>
    <message>
        <source>显示或隐藏此类设施的服务半径圈</source>
        <translation>Show or hide the catchments of this kind of facility</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>指标</source>
        <translation>KPIs</translation>
    </message>
    <message>
        <source>分户说明</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>无学位／未登记</source>
        <translation>Without a place</translation>
    </message>
    <message>
        <source>图表</source>
        <translation>Charts</translation>
    </message>
    <message>
        <source>求解进度</source>
        <translation>Solver progress</translation>
    </message>
    <message>
        <source>户档案</source>
        <translation>History</translation>
    </message>
    <message>
        <source>预警</source>
        <translation>Alerts</translation>
    </message>
    <message>
        <source>变动</source>
        <translation>Changes</translation>
    </message>
    <message>
        <source>方案</source>
        <translation>Scenarios</translation>
    </message>
    <message>
        <source>新建项目（导入向导）…</source>
        <translation>New project (import wizard)…</translation>
    </message>
    <message>
        <source>从登记表和空间文件新建项目</source>
        <translation>Create a project from a register and spatial files</translation>
    </message>
    <message>
        <source>打开项目…</source>
        <translation>Open project…</translation>
    </message>
    <message>
        <source>打开一个项目文件（.gpkg）</source>
        <translation>Open a project file (.gpkg)</translation>
    </message>
    <message>
        <source>打开示例县（昭觉县）</source>
        <translation>Open the sample county (Zhaojue)</translation>
    </message>
    <message>
        <source>导入软件自带的示例数据，用于练习和演示</source>
        <translation>Import the bundled sample data, for practice and demonstrations</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>保存项目</source>
        <translation>Save project</translation>
    </message>
    <message>
        <source>另存为…</source>
        <translation>Save as…</translation>
    </message>
    <message>
        <source>导出分配通知书和Excel…</source>
        <translation>Export orders and Excel…</translation>
    </message>
    <message>
        <source>导出分配通知书（PDF）和 Excel 台账</source>
        <translation>Export allocation orders (PDF) and the Excel ledger</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>撤销</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>重做</source>
        <translation>Redo</translation>
    </message>
    <message>
        <source>分配规则…</source>
        <translation>Rules…</translation>
    </message>
    <message>
        <source>服务半径、面积标准、优先级加分及其来源</source>
        <translation>Catchments, area band, priority points and their sources</translation>
    </message>
    <message>
        <source>分配</source>
        <translation>Allocate</translation>
    </message>
    <message>
        <source>求解住房、学位和卫生服务的联合分配</source>
        <translation>Solve the joint allocation of housing, school places and clinics</translation>
    </message>
    <message>
        <source>取消求解</source>
        <translation>Cancel solve</translation>
    </message>
    <message>
        <source>停止求解，保留目前找到的最好解（未证明最优）</source>
        <translation>Stop the solver and keep the best solution found so far (not proven optimal)</translation>
    </message>
    <message>
        <source>求解时间上限…</source>
        <translation>Time limit…</translation>
    </message>
    <message>
        <source>退出审核…</source>
        <translation>Exit review…</translation>
    </message>
    <message>
        <source>按退出机制列出符合条件的户及依据，确认退出并设定腾退日期</source>
        <translation>List the households the exit rule lets go, with the grounds; confirm exits with a date</translation>
    </message>
    <message>
        <source>重新分配…</source>
        <translation>Reallocate…</translation>
    </message>
    <message>
        <source>把退出腾出的房屋和空置房分给轮候户，已安置的户不动（可选择允许调换住房）</source>
        <translation>Give units freed by exits and vacant units to the waiting list; housed households stay (moves can be allowed)</translation>
    </message>
    <message>
        <source>重新分配</source>
        <translation>Reallocate</translation>
    </message>
    <message>
        <source>信访试算…</source>
        <translation>Petition what-if…</translation>
    </message>
    <message>
        <source>更新户籍名册…</source>
        <translation>Update register…</translation>
    </message>
    <message>
        <source>读入更新后的户籍名册（出生、死亡、分户、合户、收入变化），先列出与项目的差别，确认后再改动</source>
        <translation>Read an updated household register (births, deaths, households split or merged, income changes): see how it differs from the project before anything changes</translation>
    </message>
    <message>
        <source>试算一户的诉求（不接受某房或某安置点、满足意愿），看会影响哪些户</source>
        <translation>Try one household&apos;s request (refuse a unit or a site, grant its wishes) and see whom it affects</translation>
    </message>
    <message>
        <source>缩放到安置区</source>
        <translation>Zoom to sites</translation>
    </message>
    <message>
        <source>显示全县</source>
        <translation>Whole county</translation>
    </message>
    <message>
        <source>放大</source>
        <translation>Zoom in</translation>
    </message>
    <message>
        <source>缩小</source>
        <translation>Zoom out</translation>
    </message>
    <message>
        <source>日志文件位置</source>
        <translation>Log file location</translation>
    </message>
    <message>
        <source>关于</source>
        <translation>About</translation>
    </message>
    <message>
        <source>自动选择</source>
        <translation>Automatic</translation>
    </message>
    <message>
        <source>CBC（不能中途取消）</source>
        <translation>CBC (cannot be cancelled)</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>最近打开</source>
        <translation>Recent projects</translation>
    </message>
    <message>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>求解器</source>
        <translation>Solver</translation>
    </message>
    <message>
        <source>动态管理</source>
        <translation>Dynamic management</translation>
    </message>
    <message>
        <source>视图</source>
        <translation>View</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>界面语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>帮助</source>
        <translation>Help</translation>
    </message>
    <message>
        <source>工具栏</source>
        <translation>Toolbar</translation>
    </message>
    <message>
        <source>（无）</source>
        <translation>(none)</translation>
    </message>
    <message>
        <source>清除列表</source>
        <translation>Clear list</translation>
    </message>
    <message>
        <source>求解时间上限</source>
        <translation>Time limit</translation>
    </message>
    <message>
        <source>整个求解最多用多少秒？0 表示不限。到时返回目前最好的解。</source>
        <translation>At most how many seconds for the whole solve? 0 means no limit. At the limit the best solution so far is returned.</translation>
    </message>
    <message>
        <source>界面语言将在重新启动后切换为：%1</source>
        <translation>The window will use %1 after a restart.</translation>
    </message>
    <message>
        <source>安置分配优化</source>
        <translation>Resettlement allocator</translation>
    </message>
    <message>
        <source>未保存的项目</source>
        <translation>unsaved project</translation>
    </message>
    <message>
        <source>未打开项目</source>
        <translation>No project open</translation>
    </message>
    <message>
        <source>%1 户 · %2 人 · %3 套房 · %4 处设施</source>
        <translation>%1 households · %2 people · %3 units · %4 facilities</translation>
    </message>
    <message>
        <source>尚未分配</source>
        <translation>not allocated yet</translation>
    </message>
    <message>
        <source>请等当前任务结束（或取消）后再试。</source>
        <translation>Wait until the current job ends (or cancel it), then try again.</translation>
    </message>
    <message>
        <source>显示结果</source>
        <translation>Showing the result</translation>
    </message>
    <message>
        <source>打开项目</source>
        <translation>Open project</translation>
    </message>
    <message>
        <source>导入示例县</source>
        <translation>Importing the sample county</translation>
    </message>
    <message>
        <source>求解方案</source>
        <translation>Solve scenario</translation>
    </message>
    <message>
        <source>信访试算</source>
        <translation>Petition what-if</translation>
    </message>
    <message>
        <source>比对户籍名册</source>
        <translation>Compare register</translation>
    </message>
    <message>
        <source>CBC 不能中途停止：取消将在当前目标层结束后生效。</source>
        <translation>CBC cannot be interrupted: the cancel takes effect when the current objective level ends.</translation>
    </message>
    <message>
        <source>项目文件 (*.gpkg)</source>
        <translation>Project files (*.gpkg)</translation>
    </message>
    <message>
        <source>正在打开 %1……</source>
        <translation>Opening %1…</translation>
    </message>
    <message>
        <source>发现上次未保存的修改（%1）。</source>
        <translation>Unsaved edits from the last session were found (%1).</translation>
    </message>
    <message>
        <source>恢复未保存的修改</source>
        <translation>Recover unsaved edits</translation>
    </message>
    <message>
        <source>上次关闭时有未保存的修改，自动保存在：
%1
要恢复这些修改吗？选择“否”将删除这份自动保存。</source>
        <translation>The last session ended with unsaved edits, autosaved in:
%1
Recover these edits? &quot;No&quot; deletes the autosave.</translation>
    </message>
    <message>
        <source>正在恢复未保存的修改……</source>
        <translation>Recovering unsaved edits…</translation>
    </message>
    <message>
        <source>已自动保存</source>
        <translation>Autosaved</translation>
    </message>
    <message>
        <source>自动保存失败：%1</source>
        <translation>Autosave failed: %1</translation>
    </message>
    <message>
        <source>正在导入示例县……</source>
        <translation>Importing the sample county…</translation>
    </message>
    <message>
        <source>未保存的修改</source>
        <translation>Unsaved changes</translation>
    </message>
    <message>
        <source>项目有未保存的修改。要先保存吗？</source>
        <translation>The project has unsaved changes. Save them first?</translation>
    </message>
    <message>
        <source>项目另存为</source>
        <translation>Save project as</translation>
    </message>
    <message>
        <source>正在保存 %1……</source>
        <translation>Saving %1…</translation>
    </message>
    <message>
        <source>已保存到 %1</source>
        <translation>Saved to %1</translation>
    </message>
    <message>
        <source>正在求解……</source>
        <translation>Solving…</translation>
    </message>
    <message>
        <source>结果未采用。</source>
        <translation>The result was not used.</translation>
    </message>
    <message>
        <source>求解结果违反 %1 条规则，未采用。</source>
        <translation>The solution breaks %1 rule(s) and was not used.</translation>
    </message>
    <message>
        <source>请换一个求解器重试；每条违反的规则已写入日志文件。</source>
        <translation>Try again with another solver; each broken rule is in the log file.</translation>
    </message>
    <message>
        <source>重新求解后 %1 户的分配与之前不同（已在“变动”中列出）；如已打印过通知书，请在导出时选择“上次重新分配有变动的户”重新打印。</source>
        <translation>After solving again, %1 household(s) have another allocation than before (listed under Changes); if their orders were printed, choose “Households changed by the last reallocation” when exporting to print them again.</translation>
    </message>
    <message>
        <source>没有得到分配结果（%1），项目中原有的结果保持不变。</source>
        <translation>No allocation was found (%1); the project keeps its previous result.</translation>
    </message>
    <message>
        <source>求解在得到完整的分配之前已取消（%1）：该求解器此时给不出可用的解，项目中原有的结果保持不变。</source>
        <translation>The solve was cancelled before a complete allocation existed (%1): the solver has no usable solution at this point, and the project keeps its previous result.</translation>
    </message>
    <message>
        <source>原有分配已在相同的数据、规则和日期下证明最优；本次求解未证明最优（差距 %1），不替换原有分配。</source>
        <translation>The allocation stored was proven optimal with the same data, rules and date; this solve was not proven optimal (gap %1) and does not replace it.</translation>
    </message>
    <message>
        <source>求解已取消：显示的是目前找到的最好解，未证明最优。</source>
        <translation>Solve cancelled: showing the best solution found so far, not proven optimal.</translation>
    </message>
    <message>
        <source>已到时间上限：显示的是目前找到的最好解，未证明最优。</source>
        <translation>Time limit reached: showing the best solution found so far, not proven optimal.</translation>
    </message>
    <message>
        <source>其中 %1 户仍在轮候，而合适的房源空置或分给了优先级更低的户；求解到最优可纠正。</source>
        <translation> %1 household(s) still wait although a fitting unit is free or went to a household of lower priority; solving to the optimum corrects this.</translation>
    </message>
    <message>
        <source>部分面板无法显示：%1</source>
        <translation>A panel cannot be shown: %1</translation>
    </message>
    <message>
        <source>红色预警</source>
        <translation>Red alert</translation>
    </message>
    <message>
        <source>黄色预警</source>
        <translation>Yellow alert</translation>
    </message>
    <message>
        <source>蓝色预警</source>
        <translation>Blue alert</translation>
    </message>
    <message>
        <source>数据已修改：请重新分配</source>
        <translation>Data changed: allocate again</translation>
    </message>
    <message>
        <source>修改分配规则</source>
        <translation>Change the rules</translation>
    </message>
    <message>
        <source>未确认退出：%1</source>
        <translation>Exits not confirmed: %1</translation>
    </message>
    <message>
        <source>确认 %1 户退出</source>
        <translation>Confirm exit of %1 households</translation>
    </message>
    <message>
        <source>已确认 %1 户退出：%2 套房已腾空，%3 套在腾退日期腾空。运行“重新分配”把腾空的房屋分给轮候户。</source>
        <translation>Exit of %1 households confirmed: %2 units freed now, %3 on their transition date. Run Reallocate to give the freed units to the waiting list.</translation>
    </message>
    <message>
        <source>选择更新后的户籍名册</source>
        <translation>Choose the updated household register</translation>
    </message>
    <message>
        <source>户籍名册 (*.xlsx *.xls *.csv);;所有文件 (*)</source>
        <translation>Household register (*.xlsx *.xls *.csv);;All files (*)</translation>
    </message>
    <message>
        <source>正在比对户籍名册…</source>
        <translation>Comparing the register…</translation>
    </message>
    <message>
        <source>未更新：%1</source>
        <translation>Not updated: %1</translation>
    </message>
    <message>
        <source>更新户籍名册（%1 户变化）</source>
        <translation>Update register (%1 households changed)</translation>
    </message>
    <message>
        <source>已更新 %1 户的户籍登记，每户的变化都已记入台账。</source>
        <translation>Updated the register entries of %1 households; each change is in the ledger.</translation>
    </message>
    <message>
        <source>现有分配早于这次更新：打印通知书或公示前请运行“重新分配”（已安置的户保留原房）；“分配”会重新求解全部户，可能调换许多户。</source>
        <translation> The stored allocation predates this update: before printing orders or a notice, run Reallocate (households already housed keep their units); Allocate solves everyone afresh and may move many households.</translation>
    </message>
    <message>
        <source>请先运行“分配”，再重新分配。</source>
        <translation>Run Allocate first, then Reallocate.</translation>
    </message>
    <message>
        <source>正在重新分配……</source>
        <translation>Reallocating…</translation>
    </message>
    <message>
        <source>重新分配没有得到结果（%1），项目保持不变。</source>
        <translation>The reallocation found no result (%1); the project is unchanged.</translation>
    </message>
    <message>
        <source>重新分配的结果违反 %1 条规则，未采用。</source>
        <translation>The reallocation breaks %1 rules and was not used.</translation>
    </message>
    <message>
        <source>已重新分配：只有“变动”中列出的户有变化</source>
        <translation>Reallocated: only the households under Changes differ</translation>
    </message>
    <message>
        <source>方案未建立：%1</source>
        <translation>Scenario not created: %1</translation>
    </message>
    <message>
        <source>新建方案 %1</source>
        <translation>New scenario %1</translation>
    </message>
    <message>
        <source>正在求解方案 %1……</source>
        <translation>Solving scenario %1…</translation>
    </message>
    <message>
        <source>方案 %1 的结果违反 %2 条规则，未采用。</source>
        <translation>The result of scenario %1 breaks %2 rules and was not used.</translation>
    </message>
    <message>
        <source>方案 %1 没有得到可用的结果（%2），项目保持不变。</source>
        <translation>Scenario %1 gave no usable result (%2); the project is unchanged.</translation>
    </message>
    <message>
        <source>求解方案 %1</source>
        <translation>Solve scenario %1</translation>
    </message>
    <message>
        <source>基准的分配是重新分配，方案 %1 也按重新分配求解：基准中已安置的户保留住房；%2 户的住房或学位、卫生服务与基准不同。</source>
        <translation>The base&apos;s allocation is a reallocation, so scenario %1 was solved as one too: households placed in the base keep their units; %2 household(s) got another unit, school place or clinic than in the base.</translation>
    </message>
    <message>
        <source>未采用：%1</source>
        <translation>Not made the base: %1</translation>
    </message>
    <message>
        <source>采用方案 %1 为基准</source>
        <translation>Make scenario %1 the base</translation>
    </message>
    <message>
        <source>方案 %1 已采用为基准（可撤销）。</source>
        <translation>Scenario %1 is now the base (can be undone).</translation>
    </message>
    <message>
        <source>注意：%1 户在原基准中已分得的住房被收回或更换：%2。如非本意，请撤销。</source>
        <translation>Note: %1 household(s) housed in the previous base lost or changed their unit: %2. Undo it if that was not meant.</translation>
    </message>
    <message>
        <source>注意：%1 户有成员没有身份证号（%2），其分配通知书和公示名单中以“—”代替；请用补全号码的户籍名册更新（动态管理 → 更新户籍名册）。</source>
        <translation> Note: %1 households have a member without an ID number (%2); their orders and the public notice show a dash in its place. Give the numbers in an updated register (Dynamic management → Update register).</translation>
    </message>
    <message>
        <source>未删除：%1</source>
        <translation>Not deleted: %1</translation>
    </message>
    <message>
        <source>删除方案 %1</source>
        <translation>Delete scenario %1</translation>
    </message>
    <message>
        <source>已删除 %1 个方案（可撤销）。</source>
        <translation>%1 scenarios deleted (can be undone).</translation>
    </message>
    <message>
        <source>不能试算：%1</source>
        <translation>Cannot try: %1</translation>
    </message>
    <message>
        <source>正在信访试算……</source>
        <translation>Trying the petition…</translation>
    </message>
    <message>
        <source>请填写方案名称。</source>
        <translation>Enter a scenario name.</translation>
    </message>
    <message>
        <source>未保存：%1</source>
        <translation>Not saved: %1</translation>
    </message>
    <message>
        <source>保存信访试算为方案 %1</source>
        <translation>Keep petition trial as scenario %1</translation>
    </message>
    <message>
        <source>已保存为方案 %1，可在“方案”中与基准比较。</source>
        <translation>Kept as scenario %1; compare it with the base under Scenarios.</translation>
    </message>
    <message>
        <source>日志文件</source>
        <translation>Log file</translation>
    </message>
    <message>
        <source>完整的运行记录和错误记录写在：
%1</source>
        <translation>The full log, with error reports, is written to:
%1</translation>
    </message>
    <message>
        <source>安置分配优化：为县安置办分配安置房、学位和卫生服务。
项目文件为 GeoPackage，可在 QGIS 中打开。</source>
        <translation>Resettlement allocator: housing units, school places and clinics for county resettlement offices.
Project files are GeoPackages and open in QGIS.</translation>
    </message>
    <message>
        <source>任务进行中</source>
        <translation>Job running</translation>
    </message>
    <message>
        <source>有任务正在进行。停止该任务并退出吗？</source>
        <translation>A job is running. Stop it and quit?</translation>
    </message>
</context>
<context>
    <name>MapView</name>
    <message>
        <source>套数 %1：空置 %2，已入住 %3，预留 %4，维修中 %5</source>
        <translation>%1 units: %2 vacant, %3 occupied, %4 reserved, %5 under repair</translation>
    </message>
    <message>
        <source>本次分配 %1 套</source>
        <translation>%1 allocated now</translation>
    </message>
    <message>
        <source>容量 %1</source>
        <translation>capacity %1</translation>
    </message>
    <message>
        <source>服务半径：步行 %1 m（直线 %2 m）</source>
        <translation>Catchment: %1 m walking (%2 m straight line)</translation>
    </message>
    <message>
        <source>打开或导入一个项目后，这里显示县界、安置点、楼栋、学校和卫生服务设施。</source>
        <translation>Open or import a project to see the county boundary, sites, buildings, schools and clinics here.</translation>
    </message>
    <message>
        <source>打开示例县（昭觉县）</source>
        <translation>Open the sample county (Zhaojue)</translation>
    </message>
</context>
<context>
    <name>MappingPage</name>
    <message>
        <source>对应列</source>
        <translation>Column mapping</translation>
    </message>
    <message>
        <source>左边是文件中的列名，右边是它对应的字段。模板中的中文列名已自动对应；标 * 的字段必须有对应的列。</source>
        <translation>Left: the columns of the file; right: the field each one holds. The template&apos;s Chinese headers are mapped already; fields marked * need a column.</translation>
    </message>
    <message>
        <source>登记表</source>
        <translation>Register</translation>
    </message>
    <message>
        <source>安置房</source>
        <translation>Housing units</translation>
    </message>
    <message>
        <source>设施</source>
        <translation>Facilities</translation>
    </message>
    <message>
        <source>安置点</source>
        <translation>Sites</translation>
    </message>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>姓名/名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>与户主关系</source>
        <translation>Relationship</translation>
    </message>
    <message>
        <source>性别</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>出生日期</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>安置类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>残疾</source>
        <translation>Disability</translation>
    </message>
    <message>
        <source>年收入</source>
        <translation>Annual income</translation>
    </message>
    <message>
        <source>稳定就业年限</source>
        <translation>Stable job (years)</translation>
    </message>
    <message>
        <source>原居住村</source>
        <translation>Origin village</translation>
    </message>
    <message>
        <source>原居住乡镇</source>
        <translation>Origin township</translation>
    </message>
    <message>
        <source>现属乡镇</source>
        <translation>Current township</translation>
    </message>
    <message>
        <source>轮候登记日期</source>
        <translation>Waiting since</translation>
    </message>
    <message>
        <source>房号</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>安置点编号</source>
        <translation>Site</translation>
    </message>
    <message>
        <source>楼栋</source>
        <translation>Building</translation>
    </message>
    <message>
        <source>楼层</source>
        <translation>Floor</translation>
    </message>
    <message>
        <source>面积</source>
        <translation>Area</translation>
    </message>
    <message>
        <source>无障碍</source>
        <translation>Accessible</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>入住日期</source>
        <translation>Moved in</translation>
    </message>
    <message>
        <source>设施编号</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>容量</source>
        <translation>Capacity</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>无法读取 %1 的列名：%2</source>
        <translation>Cannot read the headers of %1: %2</translation>
    </message>
    <message>
        <source>文件中的列</source>
        <translation>Column in the file</translation>
    </message>
    <message>
        <source>对应字段</source>
        <translation>Field</translation>
    </message>
    <message>
        <source>坐标（自动读取）</source>
        <translation>Coordinates (read automatically)</translation>
    </message>
    <message>
        <source>（不导入）</source>
        <translation>(not imported)</translation>
    </message>
    <message>
        <source>%1 缺少：%2</source>
        <translation>%1 is missing: %2</translation>
    </message>
    <message>
        <source>%1 中多列对应同一字段：%2</source>
        <translation>%1 maps several columns to one field: %2</translation>
    </message>
    <message>
        <source>所有必填字段都已对应。下一步读取并检查全部数据（不写入任何文件）。</source>
        <translation>Every required field has a column. Next, all data are read and checked (nothing is written).</translation>
    </message>
</context>
<context>
    <name>MessageBar</name>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>NewScenarioDialog</name>
    <message>
        <source>新建方案</source>
        <translation>New scenario</translation>
    </message>
    <message>
        <source>从文件读取…</source>
        <translation>Read from file…</translation>
    </message>
    <message>
        <source>变更（JSON）：add_facilities 新增设施、close_facilities 关闭设施、capacities 容量、add_units 新增房源、catchments 服务半径（米）、rules 规则、add_households 新增安置户。基准数据不会被修改。</source>
        <translation>Changes (JSON): add_facilities, close_facilities, capacities, add_units, catchments (metres), rules, add_households. The base data is not changed.</translation>
    </message>
    <message>
        <source>方案名称</source>
        <translation>Scenario name</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>读取变更文件</source>
        <translation>Read changes file</translation>
    </message>
    <message>
        <source>变更文件 (*.json *.yaml *.yml)</source>
        <translation>Changes files (*.json *.yaml *.yml)</translation>
    </message>
    <message>
        <source>变更不是有效的 JSON：第 %1 行第 %2 列：%3</source>
        <translation>The changes are not valid JSON: line %1 column %2: %3</translation>
    </message>
</context>
<context>
    <name>Objectives</name>
    <message>
        <source>按优先级加权的安置户数最大</source>
        <translation>Most households housed, weighted by priority</translation>
    </message>
    <message>
        <source>服务半径内的学位和卫生服务登记人数最大</source>
        <translation>Most school and clinic places within the catchment</translation>
    </message>
    <message>
        <source>满足安置意愿（安置点志愿、低楼层）的得分最大</source>
        <translation>Most wishes met (preferred sites, low floors)</translation>
    </message>
    <message>
        <source>同村轮候户安置在同一安置点的户数最大</source>
        <translation>Most waiting households placed at one site with their village</translation>
    </message>
    <message>
        <source>总步行距离最小（含子女分校惩罚）</source>
        <translation>Least total walking (with the sibling-split penalty)</translation>
    </message>
    <message>
        <source>安置户数</source>
        <translation>households housed</translation>
    </message>
    <message>
        <source>服务名额</source>
        <translation>service places</translation>
    </message>
    <message>
        <source>安置意愿</source>
        <translation>wishes</translation>
    </message>
    <message>
        <source>同村相邻</source>
        <translation>villages together</translation>
    </message>
    <message>
        <source>步行距离</source>
        <translation>walking</translation>
    </message>
</context>
<context>
    <name>PetitionDialog</name>
    <message>
        <source>信访试算</source>
        <translation>Petition what-if</translation>
    </message>
    <message>
        <source>不接受某套房</source>
        <translation>Refuses a unit</translation>
    </message>
    <message>
        <source>不接受某个安置点</source>
        <translation>Refuses a site</translation>
    </message>
    <message>
        <source>满足登记的安置意愿</source>
        <translation>Grant the recorded wishes</translation>
    </message>
    <message>
        <source>房号或安置点编号</source>
        <translation>Unit or site id</translation>
    </message>
    <message>
        <source>试算</source>
        <translation>Try</translation>
    </message>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>变动</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>原房号</source>
        <translation>Unit before</translation>
    </message>
    <message>
        <source>新房号</source>
        <translation>Unit after</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>方案名称</source>
        <translation>Scenario name</translation>
    </message>
    <message>
        <source>保存为方案</source>
        <translation>Keep as scenario</translation>
    </message>
    <message>
        <source>诉求</source>
        <translation>Request</translation>
    </message>
    <message>
        <source>房号／安置点</source>
        <translation>Unit / site</translation>
    </message>
    <message>
        <source>请填写户号。</source>
        <translation>Enter a household id.</translation>
    </message>
    <message>
        <source>正在试算……</source>
        <translation>Trying…</translation>
    </message>
    <message>
        <source>试算没有得到结果（%1）。</source>
        <translation>The trial found no result (%1).</translation>
    </message>
    <message>
        <source>轮候</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>可以满足</source>
        <translation>can be granted</translation>
    </message>
    <message>
        <source>不能满足</source>
        <translation>cannot be granted</translation>
    </message>
    <message>
        <source>%1：%2。该户房屋 %3 → %4；其他户变动 %5 户。</source>
        <translation>%1: %2. The household&apos;s unit %3 → %4; %5 other households change.</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>目标1：按优先级加权的安置户数（最大）</source>
        <translation>Level 1: households housed, weighted by priority (max)</translation>
    </message>
    <message>
        <source>目标2：服务半径内的学位和卫生服务人数（最大）</source>
        <translation>Level 2: school places and clinic registrations within catchment (max)</translation>
    </message>
    <message>
        <source>目标3：总步行距离（最小）</source>
        <translation>Level 3: total walking distance (min)</translation>
    </message>
    <message>
        <source>1 安置户数（加权，最大）</source>
        <translation>1 Households housed, weighted (max)</translation>
    </message>
    <message>
        <source>2 半径内学位和卫生服务（最大）</source>
        <translation>2 Places within catchment (max)</translation>
    </message>
    <message>
        <source>3 总步行距离（最小）</source>
        <translation>3 Total walking distance (min)</translation>
    </message>
    <message>
        <source>最好解</source>
        <translation>Best</translation>
    </message>
    <message>
        <source>界</source>
        <translation>Bound</translation>
    </message>
    <message>
        <source>秒</source>
        <translation>s</translation>
    </message>
    <message>
        <source>点击“分配”后，这里实时显示求解进度：每一目标层的最好解、界和差距。</source>
        <translation>After &quot;Allocate&quot;, the solver&apos;s progress appears here live: the best solution, the bound and the gap of each objective level.</translation>
    </message>
    <message>
        <source>未在求解</source>
        <translation>Not solving</translation>
    </message>
    <message>
        <source>取消求解</source>
        <translation>Cancel solve</translation>
    </message>
    <message>
        <source>%1 · 最好解 %2 · 界 %3 · %4 秒</source>
        <translation>%1 · best %2 · bound %3 · %4 s</translation>
    </message>
    <message>
        <source>差距</source>
        <translation>Gap</translation>
    </message>
    <message>
        <source>用时</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>%1：</source>
        <translation>%1:</translation>
    </message>
    <message>
        <source>正在用 %1 求解……窗口可继续使用。</source>
        <translation>Solving with %1… the window stays usable.</translation>
    </message>
    <message>
        <source>该求解器不报告中间进度。</source>
        <translation> This solver reports no progress while it runs.</translation>
    </message>
    <message>
        <source>该求解器不能中途停止，取消将在当前目标层结束后生效。</source>
        <translation> This solver cannot be interrupted; a cancel takes effect when the current level ends.</translation>
    </message>
    <message>
        <source>%1 秒</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>正在求解：%1</source>
        <translation>Solving: %1</translation>
    </message>
    <message>
        <source>正在取消……</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>正在取消：求解器在下一个检查点停止，并返回目前找到的最好解。</source>
        <translation>Cancelling: the solver stops at its next checkpoint and returns the best solution found so far.</translation>
    </message>
    <message>
        <source>求解失败，见错误信息。</source>
        <translation>The solve failed; see the error message.</translation>
    </message>
    <message>
        <source>求解结束：%1。%2</source>
        <translation>Solve ended: %1. %2</translation>
    </message>
</context>
<context>
    <name>ReallocateDialog</name>
    <message>
        <source>调换规则：每调换一户计作步行 %1 米（调换住房惩罚）；分户家庭安置在同一安置点，每两户计作减少步行 %2 米；上学单程步行超过 %3 米视为过远，缩短到此以内时按缩短的米数计。收益大于惩罚才调换。</source>
        <translation>Move rules: each household moved counts as %1 m of walking (the move penalty); a split family housed on one site again counts as %2 m less walking per pair of households; a school walk over %3 m one way is too long, and bringing it within that limit counts as the metres saved. A household moves only when the gain is larger than the penalty.</translation>
    </message>
    <message>
        <source>重新分配</source>
        <translation>Reallocate</translation>
    </message>
    <message>
        <source>把退出腾出的房屋和空置房按现行规则分给轮候户。默认已安置的户不动，已有的学位和卫生服务登记保持不变；结果只列出有变动的户。</source>
        <translation>Give units freed by exits and vacant units to the waiting list under the current rules. By default no housed household moves, and existing school places and clinic registrations are kept; the result lists only the households that changed.</translation>
    </message>
    <message>
        <source>允许调换住房（团聚分户家庭、缩短上学步行）</source>
        <translation>Allow moves (reunite split families, shorten school walks)</translation>
    </message>
    <message>
        <source>只调换已分配但尚未入住的户，已入住的户不动；每户调换的原因列在“变动”中。规则可在“规则”中修改。</source>
        <translation>Only households allocated but not yet moved in can move; households living in a unit stay. Each move&apos;s reason is listed under Changes. Edit the rules under Rules.</translation>
    </message>
    <message>
        <source>开始重新分配</source>
        <translation>Start reallocation</translation>
    </message>
    <message>
        <source>没有开始重新分配：原因见窗口下方的提示。</source>
        <translation>The reallocation did not start: see the message at the bottom of the window.</translation>
    </message>
    <message>
        <source>%1 户已分配但尚未入住的房屋在户籍变化或面积标准修改后不再适合家庭人口，保留原房将违反面积标准：</source>
        <translation>%1 household(s) were allocated a unit they have not moved into, and after a register update or a change of the area rule the unit no longer fits the household&apos;s size; keeping it would break the area rule:</translation>
    </message>
    <message>
        <source>未作任何改动。请勾选“允许调换住房”后再开始（这些户调换到合适的房屋，或重新轮候）；或运行“分配”重新求解。</source>
        <translation>Nothing was changed. Tick “Allow moves” and start again (these households move to a unit that fits, or wait again); or run “Allocate” to solve the allocation again.</translation>
    </message>
</context>
<context>
    <name>RegisterUpdateDialog</name>
    <message>
        <source>变更</source>
        <translation>changed</translation>
    </message>
    <message>
        <source>分户</source>
        <translation>split</translation>
    </message>
    <message>
        <source>分户新立</source>
        <translation>split off</translation>
    </message>
    <message>
        <source>合户</source>
        <translation>merged</translation>
    </message>
    <message>
        <source>并入他户</source>
        <translation>merged into another</translation>
    </message>
    <message>
        <source>新增户</source>
        <translation>added</translation>
    </message>
    <message>
        <source>注销户</source>
        <translation>left the register</translation>
    </message>
    <message>
        <source>更新户籍名册</source>
        <translation>Update register</translation>
    </message>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>变化</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>位置</source>
        <translation>Where</translation>
    </message>
    <message>
        <source>问题</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>确认这些户确已注销（文件是完整的名册）</source>
        <translation>These households really left the register (the file is the complete register)</translation>
    </message>
    <message>
        <source>更新原因（必填，记入台账），例如：2026年11月户籍核对</source>
        <translation>Reason (required, kept in the ledger), e.g. register check of November 2026</translation>
    </message>
    <message>
        <source>应用更新</source>
        <translation>Apply update</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>%1 第%2行</source>
        <translation>%1 row %2</translation>
    </message>
    <message>
        <source>错误</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>警告</source>
        <translation>Warning</translation>
    </message>
    <message>
        <source>%1 有 %2 处错误，未比对，项目没有任何改动。请按下表改正文件后再试。</source>
        <translation>%1 has %2 errors: nothing was compared and the project is unchanged. Correct the file as listed below and try again.</translation>
    </message>
    <message>
        <source>%1 与项目中的户籍登记一致，没有变化。</source>
        <translation>%1 matches the project&apos;s register: nothing differs.</translation>
    </message>
    <message>
        <source>%1 与项目相比有 %2 户变化（尚未改动项目）。核对后填写原因并“应用更新”；每一户的变化都记入台账，可撤销。</source>
        <translation>%1 differs from the project for %2 households (the project is not changed yet). Check them, give a reason and Apply update; each household&apos;s change goes into the ledger, and the step can be undone.</translation>
    </message>
    <message>
        <source>注意：这次更新会把项目 %1 户中的 %2 户（%3%）作为注销户删除（%4）。文件可能不完整（只导出了部分名册，或没有保存完）；请核对文件是否包含全部户。如这些户确已注销，勾选下面的确认框再应用。</source>
        <translation>Note: this update would remove %2 of the project&apos;s %1 households (%3%) as having left the register (%4). The file may be incomplete (only part of the register exported, or not saved completely): check that it holds every household. If these households really left the register, tick the box below and apply again.</translation>
    </message>
    <message>
        <source>请填写更新原因（记入台账）。</source>
        <translation>Give the reason for the update (it is kept in the ledger).</translation>
    </message>
    <message>
        <source>这次更新会注销大量的户，文件可能不完整。确认文件是完整的名册后勾选上面的确认框再应用。</source>
        <translation>This update would remove many households: the file may be incomplete. If it is the complete register, tick the box above and apply again.</translation>
    </message>
</context>
<context>
    <name>RuleChoices</name>
    <message>
        <source>按人均收入（户年收入÷人数）</source>
        <translation>Income per person (household income ÷ size)</translation>
    </message>
    <message>
        <source>按户年收入</source>
        <translation>Household income</translation>
    </message>
    <message>
        <source>不限制</source>
        <translation>No limit</translation>
    </message>
    <message>
        <source>按安置类别</source>
        <translation>By resettlement category</translation>
    </message>
    <message>
        <source>按乡镇</source>
        <translation>By township</translation>
    </message>
</context>
<context>
    <name>RuleLabels</name>
    <message>
        <source>人均面积上限 m²</source>
        <translation>Most area per person, m²</translation>
    </message>
    <message>
        <source>人均面积下限 m²</source>
        <translation>Least area per person, m²</translation>
    </message>
    <message>
        <source>服务半径（步行，米）</source>
        <translation>Catchments (walking, m)</translation>
    </message>
    <message>
        <source>绕行系数</source>
        <translation>Detour factor</translation>
    </message>
    <message>
        <source>学龄段（周岁）</source>
        <translation>School ages (years)</translation>
    </message>
    <message>
        <source>学龄计算基准日（月-日）</source>
        <translation>School-age reference day (MM-DD)</translation>
    </message>
    <message>
        <source>同户同学段子女同校</source>
        <translation>Siblings of one level at one school</translation>
    </message>
    <message>
        <source>优先级保护</source>
        <translation>Priority protection</translation>
    </message>
    <message>
        <source>同户子女分校惩罚（米）</source>
        <translation>Sibling split penalty (m)</translation>
    </message>
    <message>
        <source>需要无障碍住房的残疾类别</source>
        <translation>Disabilities that need an accessible unit</translation>
    </message>
    <message>
        <source>优先级加分</source>
        <translation>Priority points</translation>
    </message>
    <message>
        <source>低收入线（元/人·年）</source>
        <translation>Low-income line (yuan per person a year)</translation>
    </message>
    <message>
        <source>基础权重</source>
        <translation>Base weight</translation>
    </message>
    <message>
        <source>全县人均收入（元）</source>
        <translation>County average income (yuan)</translation>
    </message>
    <message>
        <source>退出所需稳定就业年限</source>
        <translation>Years in a stable job for exit</translation>
    </message>
    <message>
        <source>退出收入口径</source>
        <translation>Exit income basis</translation>
    </message>
    <message>
        <source>其他退出条件</source>
        <translation>Further exit conditions</translation>
    </message>
    <message>
        <source>入住后回访（月）</source>
        <translation>Follow-up visits (months after moving in)</translation>
    </message>
    <message>
        <source>红黄蓝预警规则</source>
        <translation>Red/yellow/blue alert rules</translation>
    </message>
    <message>
        <source>抽签种子</source>
        <translation>Lottery seed</translation>
    </message>
    <message>
        <source>目标顺序</source>
        <translation>Objective order</translation>
    </message>
    <message>
        <source>安置意愿得分</source>
        <translation>Wish points</translation>
    </message>
    <message>
        <source>低楼层上限（层）</source>
        <translation>Highest low floor</translation>
    </message>
    <message>
        <source>覆盖率差距分组</source>
        <translation>Coverage-gap groups</translation>
    </message>
    <message>
        <source>覆盖率差距上限</source>
        <translation>Largest coverage gap</translation>
    </message>
    <message>
        <source>调换住房惩罚（米）</source>
        <translation>Move penalty (m)</translation>
    </message>
    <message>
        <source>分户家庭同点安置收益（米）</source>
        <translation>Gain of a split family at one site (m)</translation>
    </message>
    <message>
        <source>上学步行距离上限（米）</source>
        <translation>Longest school walk (m)</translation>
    </message>
</context>
<context>
    <name>RuleSources</name>
    <message>
        <source>十三五易地扶贫搬迁规划：人均住房面积不超过25平方米（红线）</source>
        <translation>13th Five-Year relocation plan: at most 25 m² of housing per person (the red line)</translation>
    </message>
    <message>
        <source>规划人员选择（默认12平方米/人）</source>
        <translation>Planner&apos;s choice (default 12 m² per person)</translation>
    </message>
    <message>
        <source>GB 50180-2018 城市居住区规划设计标准 服务半径；15分钟生活圈</source>
        <translation>GB 50180-2018 urban residential area planning standard, service radii; 15-minute living circle</translation>
    </message>
    <message>
        <source>规划人员选择：无道路图层时，步行距离 = 直线距离 × 1.3</source>
        <translation>Planner&apos;s choice: without a road layer, walking distance = straight line × 1.3</translation>
    </message>
    <message>
        <source>国家入学年龄规定：按当学年9月1日计算年龄</source>
        <translation>National school-entry rules: ages on 1 September of the school year</translation>
    </message>
    <message>
        <source>国家入学年龄规定：按当前学年的9月1日计算年龄</source>
        <translation>National school-entry rules: ages on 1 September of the current school year</translation>
    </message>
    <message>
        <source>同一户同一学段的子女就读同一学校（规划人员可放宽）</source>
        <translation>Children of one household at one school level attend one school (planners may relax this)</translation>
    </message>
    <message>
        <source>公平公正：不让优先级较低的户占用优先级较高的轮候户可用的房源（默认开启）</source>
        <translation>Fairness: no household of lower priority takes a unit a waiting household of higher priority could have had (on by default)</translation>
    </message>
    <message>
        <source>规划人员选择：放宽同校要求时，每拆分一所学校计作2000米步行</source>
        <translation>Planner&apos;s choice: when siblings may be split, each extra school counts as 2,000 m of walking</translation>
    </message>
    <message>
        <source>规划人员选择：重度肢体或多重残疾成员需要无障碍（首层）住房</source>
        <translation>Planner&apos;s choice: members with severe physical or multiple disabilities need an accessible (ground-floor) unit</translation>
    </message>
    <message>
        <source>《移交安置工作方案》：优先保障残疾人、高龄老人、退役军人和低收入家庭；轮候时间每满一年加分</source>
        <translation>Work plan (移交安置工作方案): priority for people with disabilities, the elderly, veterans and low-income families; points for each full year on the waiting list</translation>
    </message>
    <message>
        <source>规划人员选择：人均年收入低于6000元视为低收入（参照脱贫监测线）</source>
        <translation>Planner&apos;s choice: under 6,000 yuan per person a year counts as low income (after the poverty monitoring line)</translation>
    </message>
    <message>
        <source>每户基础权重100：多安置一户总是优先于给已安置户加分</source>
        <translation>Base weight 100 per household: housing one more household always outweighs priority points</translation>
    </message>
    <message>
        <source>规划人员填写：本县农村居民人均可支配收入（示例值）</source>
        <translation>Entered by the planner: the county&apos;s rural disposable income per person (example value)</translation>
    </message>
    <message>
        <source>《移交安置工作方案》退出机制：稳定就业满3年</source>
        <translation>Work plan exit rule: 3 years of stable employment</translation>
    </message>
    <message>
        <source>随机抽签种子：同等条件按抽签排序，种子记入台账以便复核</source>
        <translation>Lottery seed: ties are ordered by lottery; the seed is recorded in the ledger for audit</translation>
    </message>
    <message>
        <source>规划人员填写：本县上年农村居民人均可支配收入（见县统计公报）；15000为示例值，项目参考数据中没有昭觉县或凉山州的公开数字</source>
        <translation>Entered by the planner: the county&apos;s rural disposable income per person last year (county statistical bulletin); 15000 is an example value, the reference data hold no published figure for Zhaojue or Liangshan</translation>
    </message>
    <message>
        <source>《移交安置工作方案》退出机制：收入超过当地平均水平；per_capita 按人均（户年收入÷人数）、household 按户年收入与全县人均比较</source>
        <translation>Resettlement work plan, exit mechanism: income above the local average; per_capita compares household income ÷ size, household compares the household&apos;s income, with the county average</translation>
    </message>
    <message>
        <source>《移交安置工作方案》“1+3+6”跟踪服务：入住后1个月回访、3个月跟踪、6个月评估</source>
        <translation>Resettlement work plan, &apos;1+3+6&apos; follow-up: a visit 1 month after moving in, follow-up at 3 months, review at 6 months</translation>
    </message>
    <message>
        <source>《移交安置工作方案》红黄蓝三级预警：监测收入波动、就业中断、信访投诉；阈值为规划人员选择（人均收入跌破低收入线为红色，即返贫风险）</source>
        <translation>Resettlement work plan, red/yellow/blue alerts: watch income swings, lost jobs, complaints and petitions; thresholds chosen by the planner (income per person falling below the low-income line is red, a risk of falling back into poverty)</translation>
    </message>
    <message>
        <source>规划人员选择：先安置户数，再服务名额，最后步行距离；安置意愿（wishes）和同村同点（village）会改变结果，默认不列入，由规划人员放入顺序中的位置（全县求解时间随之增加数倍）</source>
        <translation>Planner&apos;s choice: households housed, then service places, then walking; wishes and villages together change the outcome, so they are left out by default and the planner places them in the order (a county-wide solve then takes several times longer)</translation>
    </message>
    <message>
        <source>规划人员选择：第一志愿3分、第二志愿2分、第三及以后志愿1分；申请低楼层并获满足3分（登记了低楼层意愿的户均计分；有70岁以上老人或残疾人的户，同类房源内低楼层另按需要先安排）</source>
        <translation>Planner&apos;s choice: first preferred site 3 points, second 2, third and later 1; a low floor asked for and granted 3 (any household that recorded the wish; for a household with a member aged 70 or over or disabled, low floors among alike units go to it first in any case)</translation>
    </message>
    <message>
        <source>规划人员选择：三层及以下视为低楼层（多层住宅无电梯时老人上下楼的限度）</source>
        <translation>Planner&apos;s choice: floors 1–3 are low (what elderly people can climb in walk-up buildings)</translation>
    </message>
    <message>
        <source>公平公正（可选，默认关闭）：按安置类别（category）或乡镇（township）限制公共服务覆盖率差距；留空为不限制</source>
        <translation>Fairness (optional, off by default): limit the gap in service coverage between categories (category) or townships (township); empty for no limit</translation>
    </message>
    <message>
        <source>规划人员选择：各组之间每类服务的覆盖率相差不超过10个百分点（开启时）</source>
        <translation>Planner&apos;s choice: coverage of each service differs by at most 10 percentage points between groups (when on)</translation>
    </message>
    <message>
        <source>规划人员选择：分配通知书按户的安置类别由对应机关发文（{county}为县名）；请按本县实际机构名称修改，未列出的类别按默认</source>
        <translation>Planner&apos;s choice: each household&apos;s orders are issued by the office of its resettlement category ({county} is the county&apos;s name); change them to the county&apos;s own offices; a category not listed keeps the default</translation>
    </message>
    <message>
        <source>规划人员添加的退出条件（全部满足才退出），如 [{&quot;field&quot;: &quot;open_petitions&quot;, &quot;op&quot;: &quot;==&quot;, &quot;value&quot;: 0}]</source>
        <translation>Exit conditions added by the planner (all must hold), e.g. [{&quot;field&quot;: &quot;open_petitions&quot;, &quot;op&quot;: &quot;==&quot;, &quot;value&quot;: 0}]</translation>
    </message>
    <message>
        <source>规划人员选择：重新分配允许调换住房时，每调换一户（已分配未入住）计作1000米步行；调换的收益（分户家庭同点安置、缩短上学步行距离）大于此值才调换</source>
        <translation>Planner&apos;s choice: when a reallocation may move households, each move of a household allocated but not moved in counts as 1,000 m of walking; a move is made only when its gain (a split family at one site, a shorter school walk) is larger</translation>
    </message>
    <message>
        <source>规划人员选择：因户籍更新分户的家庭安置在同一安置点，每两户计作减少3000米步行</source>
        <translation>Planner&apos;s choice: two households of a family split by a register update placed at one site count as 3,000 m less walking</translation>
    </message>
    <message>
        <source>GB 50180-2018 城市居住区规划设计标准：15分钟生活圈步行距离800–1000米；上学单程步行超过1000米视为过远，重新分配时可调换住房缩短</source>
        <translation>GB 50180-2018 urban residential area standard: the 15-minute living circle is an 800–1,000 m walk; a school walk over 1,000 m one way is too long, and a reallocation may move the household to shorten it</translation>
    </message>
</context>
<context>
    <name>RulesDialog</name>
    <message>
        <source>规划人员添加</source>
        <translation>Added by the planner</translation>
    </message>
    <message>
        <source>分配规则</source>
        <translation>Allocation rules</translation>
    </message>
    <message>
        <source>幼儿园</source>
        <translation>Kindergarten</translation>
    </message>
    <message>
        <source>小学</source>
        <translation>Primary school</translation>
    </message>
    <message>
        <source>初中</source>
        <translation>Junior middle school</translation>
    </message>
    <message>
        <source>卫生服务</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>住房</source>
        <translation>Housing</translation>
    </message>
    <message>
        <source>服务半径与学龄</source>
        <translation>Catchments, ages</translation>
    </message>
    <message>
        <source>优先级</source>
        <translation>Priority</translation>
    </message>
    <message>
        <source>目标顺序</source>
        <translation>Objectives</translation>
    </message>
    <message>
        <source>锁定</source>
        <translation>Locks</translation>
    </message>
    <message>
        <source>各类别的机关名称，见上（“恢复默认”可还原）</source>
        <translation>each category&apos;s office, in the fields above (&quot;Reset&quot; restores it)</translation>
    </message>
    <message>
        <source>默认 %1。来源：%2</source>
        <translation>Default %1. Source: %2</translation>
    </message>
    <message>
        <source>恢复默认</source>
        <translation>Reset</translation>
    </message>
    <message>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <source>人均面积下限</source>
        <translation>Minimum area per person</translation>
    </message>
    <message>
        <source>人均面积上限（红线）</source>
        <translation>Maximum area per person (red line)</translation>
    </message>
    <message>
        <source>用顿号或逗号分隔，例如：肢体一级、肢体二级</source>
        <translation>Separate with 、 or commas, for example: 肢体一级、肢体二级</translation>
    </message>
    <message>
        <source>需要无障碍（首层）住房的残疾类别</source>
        <translation>Disabilities that need an accessible (ground-floor) unit</translation>
    </message>
    <message>
        <source>服务半径：%1（步行）</source>
        <translation>Catchment: %1 (walking)</translation>
    </message>
    <message>
        <source>绕行系数（步行 = 直线 × 系数）</source>
        <translation>Detour factor (walk = straight line × factor)</translation>
    </message>
    <message>
        <source>%1 最小年龄（周岁）</source>
        <translation>%1 youngest age (years)</translation>
    </message>
    <message>
        <source>%1 最大年龄（周岁）</source>
        <translation>%1 oldest age (years)</translation>
    </message>
    <message>
        <source>学龄计算基准日（月-日）</source>
        <translation>School-age reference day (month-day)</translation>
    </message>
    <message>
        <source>同户同学段子女就读同一学校</source>
        <translation>Siblings at one school level attend one school</translation>
    </message>
    <message>
        <source>兄弟姐妹同校</source>
        <translation>Siblings together</translation>
    </message>
    <message>
        <source>放宽同校时每拆分一所学校计作</source>
        <translation>When relaxed, each split counts as</translation>
    </message>
    <message>
        <source>{county} 处填入县名</source>
        <translation>{county} is filled in with the county&apos;s name</translation>
    </message>
    <message>
        <source>发文机关：%1</source>
        <translation>Issuing office: %1</translation>
    </message>
    <message>
        <source>上移</source>
        <translation>Move up</translation>
    </message>
    <message>
        <source>下移</source>
        <translation>Move down</translation>
    </message>
    <message>
        <source>（不求解）%1</source>
        <translation>(not solved) %1</translation>
    </message>
    <message>
        <source>锁定：把某套空置房固定给某户，或禁止某户分到某套房。增删立即生效并记入台账，可用“撤销”撤回；求解时每条锁定都会遵守，不能遵守的锁定在此说明原因。</source>
        <translation>Locks fix a vacant unit to a household or forbid a unit for one. Adding or removing one takes effect at once and goes to the ledger (Undo takes it back); every lock is kept when solving, and a lock that cannot be kept is refused here with the reason.</translation>
    </message>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>房号</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>设定时间</source>
        <translation>Set on</translation>
    </message>
    <message>
        <source>固定给该户</source>
        <translation>Fix to the household</translation>
    </message>
    <message>
        <source>禁止分给该户</source>
        <translation>Forbid for the household</translation>
    </message>
    <message>
        <source>原因（印在分配通知书上，记入台账）</source>
        <translation>Reason (printed on the order, kept in the ledger)</translation>
    </message>
    <message>
        <source>添加锁定</source>
        <translation>Add lock</translation>
    </message>
    <message>
        <source>删除所选锁定</source>
        <translation>Remove selected lock</translation>
    </message>
    <message>
        <source>固定</source>
        <translation>Fix</translation>
    </message>
    <message>
        <source>禁止</source>
        <translation>Forbid</translation>
    </message>
    <message>
        <source>户号 %1 不在项目中。</source>
        <translation>Household %1 is not in the project.</translation>
    </message>
    <message>
        <source>房号 %1 不在项目中。</source>
        <translation>Unit %1 is not in the project.</translation>
    </message>
    <message>
        <source>%1 已于 %2 退出安置（已确认），不再分房，锁定无法保持。</source>
        <translation>%1 left the programme on %2 (exit confirmed); it gets no unit, so the lock cannot be kept.</translation>
    </message>
    <message>
        <source>%1 已入住 %2：已安置的户不参与本次分配。</source>
        <translation>%1 already lives in %2: housed households are not allocated again.</translation>
    </message>
    <message>
        <source>%1 已入住 %2：已入住的户不会调换住房，禁止无法保持。</source>
        <translation>%1 lives in %2: households that moved in are never moved, so the forbid cannot be kept.</translation>
    </message>
    <message>
        <source>%1 不是空置房（状态：%2）。</source>
        <translation>%1 is not vacant (status: %2).</translation>
    </message>
    <message>
        <source>%1 面积 %2 m²，不在本户（%3人）的面积标准 %4–%5 m² 内。</source>
        <translation>%1 has %2 m², outside the %4–%5 m² band of this household (%3 people).</translation>
    </message>
    <message>
        <source>%1 需要无障碍住房，%2 不是无障碍房。</source>
        <translation>%1 needs an accessible unit; %2 is not one.</translation>
    </message>
    <message>
        <source>%1 已固定了 %2，请先删除那条锁定。</source>
        <translation>%1 already has %2 fixed; remove that lock first.</translation>
    </message>
    <message>
        <source>%1 已固定给 %2，请先删除那条锁定。</source>
        <translation>%1 is already fixed to %2; remove that lock first.</translation>
    </message>
    <message>
        <source>%1 在 %2 上没有锁定。</source>
        <translation>%1 has no lock on %2.</translation>
    </message>
    <message>
        <source>%1 已固定了 %2，再禁止会与之矛盾：请先在锁定列表中删除这条固定，再禁止。</source>
        <translation>%1 has unit %2 fixed; a forbid would contradict it. Remove that fix in the lock list first, then forbid the unit.</translation>
    </message>
    <message>
        <source>%1 已被禁止分到 %2，再固定会与之矛盾：请先在锁定列表中删除这条禁止，再固定。</source>
        <translation>Unit %2 is forbidden for %1; a fix would contradict it. Remove that forbid in the lock list first, then fix the unit.</translation>
    </message>
    <message>
        <source>是否为 %1？</source>
        <translation> Did you mean %1?</translation>
    </message>
    <message>
        <source>请填写户号和房号。</source>
        <translation>Enter a household and a unit.</translation>
    </message>
    <message>
        <source>锁定 %1 → %2</source>
        <translation>Lock %1 → %2</translation>
    </message>
    <message>
        <source>禁止 %1 → %2</source>
        <translation>Forbid %1 → %2</translation>
    </message>
    <message>
        <source>请先在列表中选择一条锁定。</source>
        <translation>Select a lock in the list first.</translation>
    </message>
    <message>
        <source>删除锁定 %1 → %2</source>
        <translation>Remove lock %1 → %2</translation>
    </message>
    <message>
        <source>锁定未修改，原因已写入日志文件。</source>
        <translation>The lock was not changed; the reason is in the log file.</translation>
    </message>
    <message>
        <source>规则不可用：%1</source>
        <translation>Rules cannot be used: %1</translation>
    </message>
    <message>
        <source>有残疾成员</source>
        <translation>member with a disability</translation>
    </message>
    <message>
        <source>退出、抽签与发文</source>
        <translation>Exit, lottery, offices</translation>
    </message>
    <message>
        <source>有70岁以上成员</source>
        <translation>member aged 70 or more</translation>
    </message>
    <message>
        <source>退役军人</source>
        <translation>retired soldier</translation>
    </message>
    <message>
        <source>低收入</source>
        <translation>low income</translation>
    </message>
    <message>
        <source>轮候每满一年</source>
        <translation>each full year waiting</translation>
    </message>
    <message>
        <source>加分：%1</source>
        <translation>Points: %1</translation>
    </message>
    <message>
        <source>不让优先级较低的户占用优先级较高的轮候户可用的房源</source>
        <translation>No lower-priority household takes a unit a higher-priority waiting household could have had</translation>
    </message>
    <message>
        <source>优先级保护</source>
        <translation>Respect priority</translation>
    </message>
    <message>
        <source>每户基础权重</source>
        <translation>Base weight per household</translation>
    </message>
    <message>
        <source>低收入线（元/人·年）</source>
        <translation>Low-income line (yuan per person a year)</translation>
    </message>
    <message>
        <source>基础权重应大于所有加分之和，才能保证“多安置一户”总优先于“给某户加分”。</source>
        <translation>The base weight must exceed the sum of all points, so that housing one more household always comes before priority points.</translation>
    </message>
    <message>
        <source>全县人均收入（元）</source>
        <translation>County average income (yuan)</translation>
    </message>
    <message>
        <source>退出所需稳定就业年限</source>
        <translation>Years of stable job to exit</translation>
    </message>
    <message>
        <source>抽签种子</source>
        <translation>Lottery seed</translation>
    </message>
    <message>
        <source>目标按上述顺序逐层求解：每一层先求到最优，再在不降低它的前提下求下一层。选中一层后用“上移”“下移”调整顺序；安置意愿和同村相邻两层可取消勾选（不求解）。</source>
        <translation>Objectives are solved level by level in this order: each to its optimum, then the next without making it worse. Select a level and use Move up / Move down; the wishes and village levels can be unticked (not solved).</translation>
    </message>
    <message>
        <source>人均面积下限不能大于上限。</source>
        <translation>The minimum area per person cannot exceed the maximum.</translation>
    </message>
    <message>
        <source>%1 的最小年龄大于最大年龄。</source>
        <translation>%1: the youngest age is above the oldest.</translation>
    </message>
    <message>
        <source>基础权重（%1）须大于加分之和（%2）。</source>
        <translation>The base weight (%1) must exceed the sum of the points (%2).</translation>
    </message>
    <message>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>否</source>
        <translation>No</translation>
    </message>
</context>
<context>
    <name>RunStatus</name>
    <message>
        <source>最优（已证明）</source>
        <translation>optimal (proven)</translation>
    </message>
    <message>
        <source>可行解，未证明最优</source>
        <translation>feasible, not proven optimal</translation>
    </message>
    <message>
        <source>无可行解</source>
        <translation>infeasible</translation>
    </message>
    <message>
        <source>超时，未找到可行解</source>
        <translation>time limit, no feasible solution</translation>
    </message>
    <message>
        <source>已取消：目前找到的最好解，未证明最优</source>
        <translation>cancelled: best solution found so far, not proven optimal</translation>
    </message>
    <message>
        <source>求解出错</source>
        <translation>solver error</translation>
    </message>
    <message>
        <source>，差距 %1</source>
        <translation>, gap %1</translation>
    </message>
</context>
<context>
    <name>SavePage</name>
    <message>
        <source>保存项目</source>
        <translation>Save project</translation>
    </message>
    <message>
        <source>点击“完成”后才写入项目文件。</source>
        <translation>The project file is written only when you click &quot;Finish&quot;.</translation>
    </message>
    <message>
        <source>浏览…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>项目文件（.gpkg）：</source>
        <translation>Project file (.gpkg):</translation>
    </message>
    <message>
        <source>项目文件 (*.gpkg)</source>
        <translation>Project files (*.gpkg)</translation>
    </message>
</context>
<context>
    <name>ScenariosPanel</name>
    <message>
        <source>方案</source>
        <translation>Scenarios</translation>
    </message>
    <message>
        <source>变更</source>
        <translation>Changes</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>新建…</source>
        <translation>New…</translation>
    </message>
    <message>
        <source>求解</source>
        <translation>Solve</translation>
    </message>
    <message>
        <source>比较所选</source>
        <translation>Compare selected</translation>
    </message>
    <message>
        <source>采用为基准</source>
        <translation>Make base</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>打开项目后，可在这里新建、求解、比较方案。</source>
        <translation>Open a project to create, solve and compare scenarios here.</translation>
    </message>
    <message>
        <source>基准</source>
        <translation>Base</translation>
    </message>
    <message>
        <source>%1（已过期）</source>
        <translation>%1 (out of date)</translation>
    </message>
    <message>
        <source>方案在基准数据的副本上修改并求解，基准不受影响。选中两个或更多方案后“比较所选”：左为指标对比（含与第一个方案的差），右为分配不同的户，地图上用彩色圆圈标出各方案的房屋。</source>
        <translation>A scenario changes and solves a copy of the base data; the base is not touched. Select two or more and Compare selected: key figures side by side (with the difference from the first), the households allocated differently, and their units ringed on the map in each scenario&apos;s colour.</translation>
    </message>
    <message>
        <source>方案 %1 的分配不符合当前基准（%2 处问题）。</source>
        <translation>The allocation of scenario %1 does not fit the current base (%2 problem(s)). </translation>
    </message>
    <message>
        <source>方案 %1 是在较早的基准上得出的，之后基准已改变。</source>
        <translation>Scenario %1 was made against an earlier base; the base has changed since. </translation>
    </message>
    <message>
        <source>方案 %1 是在较早的基准上得出的，之后基准已改变（见台账第 %2 条）。</source>
        <translation>Scenario %1 was made against an earlier base; the base has changed since (see ledger entry %2). </translation>
    </message>
    <message>
        <source>请删除该方案，在当前基准上对户 %1 重新做信访试算，再保存为方案。</source>
        <translation>Delete it, try the petition of household %1 again on the current base, and keep that trial as a scenario.</translation>
    </message>
    <message>
        <source>其变更已不适用于当前基准：%1。请删除该方案后重新新建。</source>
        <translation>Its changes no longer apply to the current base: %1. Delete the scenario and create it again.</translation>
    </message>
    <message>
        <source>基准尚有未分配的变动：请先运行“重新分配”，再重新求解该方案，然后采用为基准。</source>
        <translation>The base holds changes not yet allocated: run Reallocate first, then solve the scenario again and promote it.</translation>
    </message>
    <message>
        <source>其变更仍适用：请重新求解该方案，再采用为基准。</source>
        <translation>Its changes still apply: solve the scenario again, then make it the base.</translation>
    </message>
    <message>
        <source>最优</source>
        <translation>optimal</translation>
    </message>
    <message>
        <source>可行（未证明最优）</source>
        <translation>feasible (not proven optimal)</translation>
    </message>
    <message>
        <source>未求解</source>
        <translation>not solved</translation>
    </message>
    <message>
        <source>请先选择一个方案（基准用“分配”求解）。</source>
        <translation>Select a scenario first (the base is solved with Allocate).</translation>
    </message>
    <message>
        <source>请选择两个或更多方案（按住 Ctrl 多选）。</source>
        <translation>Select two or more scenarios (Ctrl+click).</translation>
    </message>
    <message>
        <source>不能比较：%1</source>
        <translation>Cannot compare: %1</translation>
    </message>
    <message>
        <source>比较 %1：%2 户的分配不同，其中 %3 户住房不同（地图上的彩色圆圈）。</source>
        <translation>Comparing %1: %2 households allocated differently, %3 of them in another unit (rings on the map).</translation>
    </message>
    <message>
        <source>注意：基准的分配早于%1的修改（台账第%2条，%3）；此后求解的方案按现行%1，上表的差异也包含这次修改。要只比较方案本身，请先重新求解基准。</source>
        <translation>Note: the base allocation was made before a change of its %1 (ledger entry #%2, %3); a scenario solved since follows the %1 as they are, so the differences above include that change too. To compare the scenario alone, solve the base again first.</translation>
    </message>
    <message>
        <source>规则</source>
        <translation>rules</translation>
    </message>
    <message>
        <source>锁定</source>
        <translation>locks</translation>
    </message>
    <message>
        <source>规则和锁定</source>
        <translation>rules and locks</translation>
    </message>
    <message>
        <source>分配规则</source>
        <translation>Allocation rules</translation>
    </message>
    <message>
        <source>%1 与 %2 之差</source>
        <translation>%1 − %2</translation>
    </message>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>%1 房号</source>
        <translation>%1 unit</translation>
    </message>
    <message>
        <source>轮候</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>无此户</source>
        <translation>not in it</translation>
    </message>
    <message>
        <source>%1：%2 → %3</source>
        <translation>%1: %2 → %3</translation>
    </message>
    <message>
        <source>请只选择一个方案来采用为基准。</source>
        <translation>Select exactly one scenario to make the base.</translation>
    </message>
    <message>
        <source>未采用：%1</source>
        <translation>Not made the base: %1</translation>
    </message>
    <message>
        <source>请先选择要删除的方案（基准不能删除）。</source>
        <translation>Select the scenarios to delete first (the base cannot be deleted).</translation>
    </message>
</context>
<context>
    <name>TableTab</name>
    <message>
        <source>筛选：输入户号、姓名、房号等任意内容</source>
        <translation>Filter: household, name, unit or any text</translation>
    </message>
    <message>
        <source>%1 行</source>
        <translation>%1 rows</translation>
    </message>
    <message>
        <source>%1 / %2 行</source>
        <translation>%1 / %2 rows</translation>
    </message>
</context>
<context>
    <name>Tables</name>
    <message>
        <source>安置户</source>
        <translation>Households</translation>
    </message>
    <message>
        <source>家庭成员</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>安置房</source>
        <translation>Housing units</translation>
    </message>
    <message>
        <source>公共服务设施</source>
        <translation>Facilities</translation>
    </message>
</context>
<context>
    <name>UnservedPanel</name>
    <message>
        <source>全部服务</source>
        <translation>All services</translation>
    </message>
    <message>
        <source>幼儿园</source>
        <translation>Kindergarten</translation>
    </message>
    <message>
        <source>小学</source>
        <translation>Primary school</translation>
    </message>
    <message>
        <source>初中</source>
        <translation>Junior middle school</translation>
    </message>
    <message>
        <source>卫生服务</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>只看已分得住房的户</source>
        <translation>Housed households only</translation>
    </message>
    <message>
        <source>户号</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>成员编号</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>年龄</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>服务</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>原居住乡镇</source>
        <translation>Origin township</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>还没有分配结果。</source>
        <translation>No allocation yet.</translation>
    </message>
    <message>
        <source>共 %1 人次</source>
        <translation>%1 in all</translation>
    </message>
</context>
</TS>

; Per-user Windows x64 installer of the resettlement allocator (安置分配优化).
;
; Compiled by packaging/build_windows.py, which lays out the installed tree
; first and passes these defines:
;   APP_VERSION           product version, e.g. 0.1.0
;   APP_VERSION_NUMERIC   the same as four numbers, e.g. 0.1.0.0
;   STAGE_DIR             the installed tree (python\, launchers, icon)
;   OUT_FILE              the installer to write
;   ICON_FILE             the application icon
;   FAST_COMPRESSION      (optional) zlib instead of solid LZMA: a bigger file
;                         built in a fraction of the time
;
; No administrator rights: everything goes under the user's profile and the
; user's part of the registry (HKCU).  Silent install for scripts:
;   setup.exe /S [/D=C:\path\to\folder]      (/D last, without quotes)

Unicode true
Target amd64-unicode
!ifdef FAST_COMPRESSION
  SetCompressor zlib  ; quick builds for testing (build_windows.py --fast)
!else
  SetCompressor /SOLID lzma
  SetCompressorDictSize 64
!endif
ManifestDPIAware true
RequestExecutionLevel user

!define APP_ID "ResettlementAllocator"
!define APP_NAME "安置分配优化"
!define APP_NAME_EN "Resettlement Allocator"
!define PROGID "ResettlementAllocator.Project"
!define APP_KEY "Software\${APP_ID}"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define SM_FOLDER "$SMPROGRAMS\${APP_NAME}"
!define MARKER "BUILD-INFO.txt"
!define GUI_COMMAND '"$INSTDIR\python\pythonw.exe" "$INSTDIR\allocator-gui.pyw"'

Name "${APP_NAME} ${APP_NAME_EN}"
OutFile "${OUT_FILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP_ID}"
InstallDirRegKey HKCU "${APP_KEY}" "InstallDir"
ShowInstDetails show

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh

!define MUI_ICON "${ICON_FILE}"
!define MUI_UNICON "${ICON_FILE}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC

!insertmacro MUI_PAGE_WELCOME
!define MUI_PAGE_CUSTOMFUNCTION_LEAVE CheckTargetPage
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_FUNCTION LaunchApp
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; The first language is used when Windows' display language is neither.
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"

LangString SecAppName ${LANG_SIMPCHINESE} "安置分配优化（程序、示例县、开始菜单）"
LangString SecAppName ${LANG_ENGLISH} "Resettlement Allocator (program, sample county, Start menu)"
LangString SecAppDesc ${LANG_SIMPCHINESE} "程序本身、内置 Python、字体和示例县昭觉县，以及开始菜单中的程序和命令行入口。"
LangString SecAppDesc ${LANG_ENGLISH} "The program, its own Python, the font and the 昭觉县 sample county, with Start-menu entries for the window and the command line."
LangString SecDesktopName ${LANG_SIMPCHINESE} "桌面快捷方式"
LangString SecDesktopName ${LANG_ENGLISH} "Desktop shortcut"
LangString SecDesktopDesc ${LANG_SIMPCHINESE} "在桌面上放一个启动程序的图标。"
LangString SecDesktopDesc ${LANG_ENGLISH} "An icon on the desktop that starts the program."
LangString SecAssocName ${LANG_SIMPCHINESE} "双击 .gpkg 项目文件时用本程序打开"
LangString SecAssocName ${LANG_ENGLISH} "Open .gpkg project files with this program"
LangString SecAssocDesc ${LANG_SIMPCHINESE} "项目文件是 GeoPackage（.gpkg），QGIS 也能打开。若希望双击仍用 QGIS 打开，请不要勾选；本程序总会出现在“打开方式”中。"
LangString SecAssocDesc ${LANG_ENGLISH} "Project files are GeoPackages (.gpkg), which QGIS opens too. Untick to keep QGIS for double-clicks; this program is always listed under Open with."
LangString ProjectType ${LANG_SIMPCHINESE} "安置分配项目"
LangString ProjectType ${LANG_ENGLISH} "Resettlement allocation project"
LangString NotEmpty ${LANG_SIMPCHINESE} "所选文件夹中已有其他文件。请选择一个空文件夹或原安装文件夹。"
LangString NotEmpty ${LANG_ENGLISH} "The chosen folder already holds other files. Choose an empty folder or the folder of an earlier installation."
LangString Compiling ${LANG_SIMPCHINESE} "正在准备 Python 文件（首次启动会更快）……"
LangString Compiling ${LANG_ENGLISH} "Preparing Python files (so the first start is quicker)..."

VIProductVersion "${APP_VERSION_NUMERIC}"
VIFileVersion "${APP_VERSION_NUMERIC}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP_NAME_EN}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${APP_VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${APP_VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP_NAME_EN} ${APP_VERSION} setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "Apache-2.0"

; A folder that holds files of something else is refused, so that the
; uninstaller, which removes the install folder, never removes someone's data.
!macro CHECK_TARGET
  ${DirState} "$INSTDIR" $R0
  ${If} $R0 == 1
  ${AndIfNot} ${FileExists} "$INSTDIR\${MARKER}"
    MessageBox MB_ICONSTOP "$(NotEmpty)$\n$INSTDIR" /SD IDOK
    Abort
  ${EndIf}
!macroend

Function CheckTargetPage
  !insertmacro CHECK_TARGET
FunctionEnd

Function LaunchApp
  Exec '${GUI_COMMAND}'
FunctionEnd

Section "!$(SecAppName)" SecApp
  SectionIn RO
  !insertmacro CHECK_TARGET
  ; An upgrade replaces the runtime as a whole: no file of an older version
  ; of a package stays behind to be imported.
  ${If} ${FileExists} "$INSTDIR\${MARKER}"
    RMDir /r "$INSTDIR\python"
  ${EndIf}
  SetOutPath "$INSTDIR"
  File /r "${STAGE_DIR}/*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  DetailPrint "$(Compiling)"
  ; One process (-j 1): compileall's worker pool hung under Wine.
  nsExec::ExecToLog '"$INSTDIR\python\python.exe" -m compileall -q -j 1 "$INSTDIR\python\Lib\site-packages"'
  Pop $0
  DetailPrint "compileall: $0"

  ; Shortcuts start in the user's own folder.
  SetOutPath "$PROFILE"
  CreateDirectory "${SM_FOLDER}"
  CreateShortCut "${SM_FOLDER}\${APP_NAME}.lnk" "$INSTDIR\python\pythonw.exe" '"$INSTDIR\allocator-gui.pyw"' "$INSTDIR\allocator.ico" 0 SW_SHOWNORMAL "" "${APP_NAME_EN}"
  CreateShortCut "${SM_FOLDER}\${APP_NAME} 命令行.lnk" "$SYSDIR\cmd.exe" '/k "$INSTDIR\allocator-prompt.cmd"' "$INSTDIR\allocator.ico" 0 SW_SHOWNORMAL "" "allocator command line"
  CreateShortCut "${SM_FOLDER}\卸载 Uninstall.lnk" "$INSTDIR\uninstall.exe"

  ; "Open with" always lists the program; the default for .gpkg is optional.
  WriteRegStr HKCU "Software\Classes\${PROGID}" "" "$(ProjectType)"
  WriteRegStr HKCU "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\allocator.ico"
  WriteRegStr HKCU "Software\Classes\${PROGID}\shell\open\command" "" '${GUI_COMMAND} "%1"'
  WriteRegStr HKCU "Software\Classes\.gpkg\OpenWithProgids" "${PROGID}" ""

  WriteRegStr HKCU "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${APP_KEY}" "Version" "${APP_VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP_NAME} ${APP_NAME_EN}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${APP_VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\allocator.ico"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "$(SecDesktopName)" SecDesktop
  SetOutPath "$PROFILE"
  CreateShortCut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\python\pythonw.exe" '"$INSTDIR\allocator-gui.pyw"' "$INSTDIR\allocator.ico" 0 SW_SHOWNORMAL "" "${APP_NAME_EN}"
SectionEnd

Section "$(SecAssocName)" SecAssoc
  ReadRegStr $0 HKCU "Software\Classes\.gpkg" ""
  ${If} $0 != "${PROGID}"
    WriteRegStr HKCU "${APP_KEY}" "PreviousGpkgProgId" "$0"
  ${EndIf}
  WriteRegStr HKCU "Software\Classes\.gpkg" "" "${PROGID}"
  WriteRegStr HKCU "Software\Classes\.gpkg" "Content Type" "application/geopackage+sqlite3"
  ; SHCNE_ASSOCCHANGED: Explorer picks up the new icon and command.
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "$(SecAppDesc)"
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "$(SecDesktopDesc)"
  !insertmacro MUI_DESCRIPTION_TEXT ${SecAssoc} "$(SecAssocDesc)"
!insertmacro MUI_FUNCTION_DESCRIPTION_END

; The uninstaller removes what the installer wrote, and keeps the planner's
; projects, settings and logs (%LOCALAPPDATA%\allocator, the registry key of
; the window's settings).
Section "Uninstall"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  RMDir /r "${SM_FOLDER}"

  RMDir /r "$INSTDIR\python"
  Delete "$INSTDIR\allocator.cmd"
  Delete "$INSTDIR\allocator-prompt.cmd"
  Delete "$INSTDIR\allocator-gui.pyw"
  Delete "$INSTDIR\allocator.ico"
  Delete "$INSTDIR\BUILD-INFO.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  ReadRegStr $0 HKCU "Software\Classes\.gpkg" ""
  ${If} $0 == "${PROGID}"
    ReadRegStr $1 HKCU "${APP_KEY}" "PreviousGpkgProgId"
    ${If} $1 == ""
      DeleteRegValue HKCU "Software\Classes\.gpkg" ""
    ${Else}
      WriteRegStr HKCU "Software\Classes\.gpkg" "" "$1"
    ${EndIf}
  ${EndIf}
  DeleteRegValue HKCU "Software\Classes\.gpkg\OpenWithProgids" "${PROGID}"
  DeleteRegKey /ifempty HKCU "Software\Classes\.gpkg\OpenWithProgids"
  DeleteRegKey HKCU "Software\Classes\${PROGID}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  DeleteRegValue HKCU "${APP_KEY}" "InstallDir"
  DeleteRegValue HKCU "${APP_KEY}" "Version"
  DeleteRegValue HKCU "${APP_KEY}" "PreviousGpkgProgId"
  DeleteRegKey /ifempty HKCU "${APP_KEY}"
  DeleteRegKey HKCU "${UNINST_KEY}"
SectionEnd

@echo off
rem Opened by the Start-menu entry: a command prompt where "allocator" works.
set "PATH=%~dp0;%PATH%"
cd /d "%USERPROFILE%"
echo Resettlement allocator command line. Try:  allocator --help
echo Sample county:  allocator demo --out "%USERPROFILE%\Documents\allocator-demo"
